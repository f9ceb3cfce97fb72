using Timonel.Api.Images;
using System.Net;

namespace Timonel.Kubelet;

/// <summary>Settings of one node agent; each names the flag that sets it.</summary>
public sealed record KubeletOptions
{
    /// <summary>--data-dir: the agent keeps everything under DATA_DIR/agent (containerd, CNI, images, pod logs).</summary>
    public required string DataDir { get; init; }

    /// <summary>--node-name: the Node's name (default: the host name, lower-cased).</summary>
    public required string NodeName { get; init; }

    /// <summary>--node-ip: the node's InternalIP (default: the first IPv4 address of an interface that is up).</summary>
    public required IPAddress NodeIp { get; init; }

    /// <summary>The cluster CIDR node podCIDRs are cut from (a /24 each) when the server assigns none.</summary>
    public string ClusterCidr { get; init; } = "10.42.0.0/16";

    /// <summary>
    /// How long a new Node waits for the controller manager's node-ipam controller to assign its
    /// podCIDR before the agent picks one itself (a server running without a controller manager).
    /// </summary>
    public TimeSpan PodCidrWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>--cluster-dns: the nameservers of ClusterFirst pods; k3s's default is the kube-dns ClusterIP 10.43.0.10. Empty: pods use the node's resolvers.</summary>
    public IReadOnlyList<IPAddress> ClusterDns { get; init; } = [IPAddress.Parse("10.43.0.10")];

    /// <summary>--cluster-domain: the cluster's DNS domain (default cluster.local).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>--resolv-conf: the node's resolver file, for dnsPolicy Default and the DNS server's upstreams.</summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";

    /// <summary>The port of the node's cluster DNS server on NodeIp (UDP and TCP); null runs no DNS server.</summary>
    public int? DnsPort { get; init; } = 53;

    /// <summary>Directory of the CNI plugin binaries (Debian's containernetworking-plugins).</summary>
    public string CniBinDir { get; init; } = DefaultCniBinDir;

    /// <summary>Where Debian's containernetworking-plugins installs the CNI plugins.</summary>
    public const string DefaultCniBinDir = "/usr/lib/cni";

    /// <summary>Name of the pod bridge the CNI bridge plugin creates.</summary>
    public string BridgeName { get; init; } = "timonel0";

    /// <summary>
    /// A network namespace (path under /var/run/netns) that holds the node's network: containerd
    /// runs in it, and probes connect from it. Null for the machine's own network (production).
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>How often the Lease is renewed (upstream: 10 s).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the Node status is posted when nothing changed (upstream: 5 min).</summary>
    public TimeSpan NodeStatusReportInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each pod worker relists its containers (upstream's PLEG relist: 1 s).</summary>
    public TimeSpan RelistInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often configMap, secret, downwardAPI and projected volumes are rewritten from the API
    /// (upstream: the sync frequency, 1 min, plus the cache TTL); a changed object reaches the files within it.
    /// </summary>
    public TimeSpan VolumeResyncInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often each running pod's disk emptyDirs are measured against their sizeLimit (upstream's
    /// eviction manager monitors every 10 s); a pod over a limit is evicted.
    /// </summary>
    public TimeSpan EmptyDirCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The kubelet version reported in nodeInfo.</summary>
    public string KubeletVersion { get; init; } = "v1.33.0-timonel";

    /// <summary>--kubelet-port: port of the kubelet's HTTPS server (logs, exec, attach, port-forward), reported in daemonEndpoints.</summary>
    public int ServerPort { get; init; } = 10250;

    /// <summary>--kubelet-address: address the kubelet's HTTPS server binds (upstream's --address, default all).</summary>
    public IPAddress ServerAddress { get; init; } = IPAddress.Any;

    /// <summary>
    /// True (default): the server listens in the node's network, inside <see cref="NetworkNamespace"/>
    /// when one is set, so agents in different namespaces never compete for the port. False: it
    /// listens in the machine's own network (tests whose API server runs outside the namespace).
    /// </summary>
    public bool ServerInNodeNetwork { get; init; } = true;

    /// <summary>
    /// PEM of the CA whose client certificates may call the kubelet's server (upstream's
    /// --client-ca-file). Null: read from the API server's kube-system/extension-apiserver-authentication ConfigMap.
    /// </summary>
    public string? ClientCaPem { get; init; }

    /// <summary>Size at which a container's log file is rotated (upstream's containerLogMaxSize, 10Mi).</summary>
    public long ContainerLogMaxSize { get; init; } = 10L * 1024 * 1024;

    /// <summary>Log files kept per container, the live one included (upstream's containerLogMaxFiles).</summary>
    public int ContainerLogMaxFiles { get; init; } = 5;

    /// <summary>How often log file sizes are checked for rotation (upstream's containerLogMonitorInterval, 10 s).</summary>
    public TimeSpan ContainerLogMonitorInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// --image-pull-policy-override: when set (IfNotPresent or Never), every container's image
    /// follows it instead of its own imagePullPolicy — for air-gapped nodes, where a pull can only
    /// fail. Null or empty: each container's policy, as upstream.
    /// </summary>
    public string? ImagePullPolicyOverride { get; init; }

    /// <summary>--image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age, --image-maximum-gc-age: when unused images are removed.</summary>
    public Images.ImageGcPolicy ImageGc { get; init; } = new();

    /// <summary>The eviction manager's hard disk thresholds (imagefs.available&lt;15%, nodefs.available&lt;10%) and timing.</summary>
    public Pods.DiskEvictionThresholds DiskEviction { get; init; } = new();

    /// <summary>
    /// The image and node filesystems' sizes; null reads them with statfs (containerd's root and
    /// the data dir). Tests give fixed figures to drive garbage collection and disk pressure.
    /// </summary>
    public Images.IFilesystemStats? FilesystemStats { get; init; }

    /// <summary>--serialize-image-pulls: pull one image at a time (default true, as upstream's kubelet); false pulls in parallel.</summary>
    public bool SerializeImagePulls { get; init; } = true;

    /// <summary>How often a running pull is reported in the agent's log (big images take minutes).</summary>
    public TimeSpan ImagePullProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// --image-pull-progress-deadline: a pull whose downloads take no byte for this long is
    /// cancelled and fails (ErrImagePull), as upstream's kubelet flag of that name (default 1m) and
    /// containerd 1.7's image_pull_progress_timeout; zero turns the check off.
    /// </summary>
    public TimeSpan ImagePullProgressDeadline { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a running pull's downloads are looked at for the deadline above.</summary>
    public TimeSpan ImagePullProgressPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// --registries: the parsed k3s-style registries.yaml (mirrors, per-registry auth and TLS),
    /// written into containerd's registry config at start; null for none.
    /// </summary>
    public RegistriesConfig? Registries { get; init; }

    public string AgentDir => Path.Combine(DataDir, "agent");

    /// <summary>Per-pod directories (volumes) under DATA_DIR/agent/pods/&lt;uid&gt;.</summary>
    public string PodsDir => Path.Combine(AgentDir, "pods");
}
