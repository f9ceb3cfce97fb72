namespace Timonel.Proxy.Model;

/// <summary>What the proxy needs of one Service port.</summary>
/// <param name="ClusterIp">The IPv4 ClusterIP.</param>
/// <param name="NodePort">0 when the Service has none.</param>
/// <param name="ExternalIps">status.loadBalancer.ingress IPs and spec.externalIPs: they answer like a NodePort, on the service port.</param>
/// <param name="AffinityTimeoutSeconds">Set when sessionAffinity is ClientIP.</param>
public sealed record ServicePortInfo(
    ServicePortName Name,
    string ClusterIp,
    int Port,
    int NodePort,
    IReadOnlyList<string> ExternalIps,
    int? AffinityTimeoutSeconds,
    bool ExternalPolicyLocal,
    bool InternalPolicyLocal);
