namespace Timonel.Dns;

/// <summary>How the cluster zone is served (what CoreDNS's kubernetes plugin is configured with).</summary>
public sealed record ClusterDnsOptions
{
    /// <summary>The cluster domain (kubelet --cluster-domain); default "cluster.local".</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>TTL of every cluster record and of the SOA in negative answers; CoreDNS's default is 5 s.</summary>
    public uint Ttl { get; init; } = 5;

    /// <summary>
    /// How <c>a-b-c-d.ns.pod.zone</c> names are answered: Verified (default) only for an IP a pod in
    /// that namespace holds; Insecure for any well-formed IP (CoreDNS "pods insecure"); Disabled never.
    /// </summary>
    public PodRecordMode PodRecords { get; init; } = PodRecordMode.Verified;

    /// <summary>The Service whose ClusterIP answers ns.dns.zone (kube-system/kube-dns).</summary>
    public string DnsServiceNamespace { get; init; } = "kube-system";

    public string DnsServiceName { get; init; } = "kube-dns";

    /// <summary>Normalized cluster domain: lower case, no trailing dot.</summary>
    internal string Zone => ClusterDomain.TrimEnd('.').ToLowerInvariant();
}

/// <summary>See <see cref="ClusterDnsOptions.PodRecords"/>.</summary>
public enum PodRecordMode
{
    Verified,
    Insecure,
    Disabled,
}
