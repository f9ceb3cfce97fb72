namespace Timonel.Proxy;

/// <summary>Settings of the service proxy; each names the kube-proxy flag it mirrors.</summary>
public sealed record ProxyOptions
{
    /// <summary>--hostname-override: the Node this proxy runs on; endpoints with this nodeName are local.</summary>
    public required string NodeName { get; init; }

    /// <summary>
    /// The network namespace (a path such as /var/run/netns/NAME) whose nftables the proxy
    /// programs: the one the node's pods live in. Null for the machine's own namespace.
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>
    /// --cluster-cidr: traffic to a ClusterIP from outside this range is masqueraded. Null
    /// masquerades all ClusterIP traffic (kube-proxy's --masquerade-all).
    /// </summary>
    public string? ClusterCidr { get; init; } = "10.42.0.0/16";

    /// <summary>
    /// --nodeport-addresses: the CIDRs whose local addresses answer NodePorts. Empty (the
    /// default) means every local address except loopback.
    /// </summary>
    public IReadOnlyList<string> NodePortAddresses { get; init; } = [];

    /// <summary>--min-sync-period: bursts of changes closer together than this become one transaction.</summary>
    public TimeSpan MinSyncPeriod { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>--sync-period: how often the whole table is rewritten and reconciled with the kernel's.</summary>
    public TimeSpan FullSyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The nft binary (Debian's nftables package).</summary>
    public string NftPath { get; init; } = "nft";

    /// <summary>Checks the values and names the flag of a bad one.</summary>
    /// <exception cref="ArgumentException">A value is out of range or malformed.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeName))
        {
            throw new ArgumentException("--hostname-override must name the node");
        }

        if (ClusterCidr is not null && !Cidr.TryParse(ClusterCidr, out _))
        {
            throw new ArgumentException($"--cluster-cidr \"{ClusterCidr}\" is not an IPv4 CIDR such as 10.42.0.0/16");
        }

        foreach (var cidr in NodePortAddresses)
        {
            if (!Cidr.TryParse(cidr, out _))
            {
                throw new ArgumentException($"--nodeport-addresses \"{cidr}\" is not an IPv4 CIDR such as 192.168.0.0/24");
            }
        }

        if (MinSyncPeriod < TimeSpan.Zero || MinSyncPeriod > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentException("--min-sync-period must be between 0 and 1m");
        }

        if (FullSyncPeriod < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("--sync-period must be at least 1s");
        }
    }
}
