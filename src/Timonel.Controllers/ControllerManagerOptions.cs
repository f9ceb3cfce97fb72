namespace Timonel.Controllers;

/// <summary>kube-controller-manager's settings that Timonel honours, with upstream's flag names and defaults.</summary>
public sealed record ControllerManagerOptions
{
    /// <summary>Controllers to run: "*" for all, "-name" to drop one, "name" to add one (upstream's --controllers).</summary>
    public IReadOnlyList<string> Controllers { get; init; } = ["*"];

    /// <summary>--cluster-cidr: the pod network cut into per-node subnets.</summary>
    public string ClusterCidr { get; init; } = "10.42.0.0/16";

    /// <summary>--node-cidr-mask-size.</summary>
    public int NodeCidrMaskSize { get; init; } = 24;

    /// <summary>--node-monitor-grace-period: a node whose Lease is older than this goes NotReady/Unknown.</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>--node-monitor-period: how often node health is checked.</summary>
    public TimeSpan NodeMonitorPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>--terminated-pod-gc-threshold.</summary>
    public int TerminatedPodGcThreshold { get; init; } = 12500;

    /// <summary>
    /// First delay before a Job replaces a failed pod; it doubles with each further failure up to
    /// 10 minutes (upstream's DefaultJobPodFailureBackOff, 10 s; not a flag there).
    /// </summary>
    public TimeSpan JobPodFailureBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The API server's CA bundle (PEM) that root-ca-cert-publisher puts in every namespace (upstream's --root-ca-file); null turns it off.</summary>
    public string? RootCaPem { get; init; }

    /// <summary>--resource-quota-sync-period: how often every quota is recalculated even without changes.</summary>
    public TimeSpan ResourceQuotaSyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// --pvclaimbinder-sync-period: how often the persistentvolume-binder re-syncs every claim and
    /// volume even without changes (a claim seen before a matching volume reached the cache binds then at the latest).
    /// </summary>
    public TimeSpan PersistentVolumeBinderSyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Where the local-path provisioner puts volumes on the nodes (PV hostPath DATA_DIR/storage/&lt;pv&gt;):
    /// the server passes its data dir's storage folder; agents create the directories there.
    /// </summary>
    public string LocalPathStorageDir { get; init; } = "/var/lib/timonel/storage";

    /// <summary>Workers per controller (upstream's --concurrent-*-syncs, 5 for most).</summary>
    public int Workers { get; init; } = 5;

    /// <summary>
    /// --legacy-service-account-token-clean-up-period: a legacy token unused this long is marked
    /// invalid, and deleted after as long again (upstream's default, one year).
    /// </summary>
    public TimeSpan LegacyServiceAccountTokenCleanUpPeriod { get; init; } = TimeSpan.FromDays(365);

    /// <summary>How often legacy-serviceaccount-token-cleaner looks at every token (upstream's syncInterval, a day; not a flag there).</summary>
    public TimeSpan LegacyServiceAccountTokenSyncInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// --cluster-signing-duration: the longest certificate csrsigning issues (spec.expirationSeconds
    /// may ask for less, not more; upstream's default, one year).
    /// </summary>
    public TimeSpan ClusterSigningDuration { get; init; } = TimeSpan.FromDays(365);

    /// <summary>The horizontal-pod-autoscaler's --horizontal-pod-autoscaler-* settings.</summary>
    public Autoscaling.HpaOptions Autoscaling { get; init; } = new();

    /// <summary>Whether the registry's controller <paramref name="name"/> runs under <see cref="Controllers"/> (see <see cref="ControllerNames.IsEnabled"/>).</summary>
    public bool IsEnabled(string name) => ControllerNames.IsEnabled(name, Controllers);
}
