namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// The workload a pod belongs to, as a recommendation is made for: a Deployment (through its
/// ReplicaSet), StatefulSet, DaemonSet, CronJob (through its Job), Job, bare ReplicaSet, or the
/// pod itself when nothing controls it.
/// </summary>
internal readonly record struct WorkloadRef(string Namespace, string Kind, string Name)
{
    /// <summary>The kinds a workload can be, with the group/version/plural their objects are read at.</summary>
    public static readonly IReadOnlyDictionary<string, (string Group, string Version, string Plural)> Kinds = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal)
    {
        ["Deployment"] = ("apps", "v1", "deployments"),
        ["StatefulSet"] = ("apps", "v1", "statefulsets"),
        ["DaemonSet"] = ("apps", "v1", "daemonsets"),
        ["ReplicaSet"] = ("apps", "v1", "replicasets"),
        ["Job"] = ("batch", "v1", "jobs"),
        ["CronJob"] = ("batch", "v1", "cronjobs"),
        ["Pod"] = ("", "v1", "pods"),
    };

    public override string ToString() => $"{Namespace}/{Kind}/{Name}";
}

/// <summary>One container of one workload: what a history is kept for.</summary>
internal readonly record struct ContainerRef(WorkloadRef Workload, string Container);
