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
    public string CniBinDir { get; init; } = "/usr/lib/cni";

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

    /// <summary>The kubelet version reported in nodeInfo.</summary>
    public string KubeletVersion { get; init; } = "v1.33.0-timonel";

    public string AgentDir => Path.Combine(DataDir, "agent");
}
