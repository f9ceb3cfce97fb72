using System.Security.Cryptography;
using System.Text;
using Timonel.Proxy.Model;

namespace Timonel.Proxy.Nft;

/// <summary>
/// Names of Timonel's nftables objects. Per-service chains carry a short hash (unique even when
/// readable parts collide) and the readable ns/svc/proto/port, so `nft list table ip timonel`
/// can be read by a person, as kube-proxy's nftables mode does.
/// </summary>
public static class NftNames
{
    public const string Family = "ip";
    public const string Table = "timonel";
    public const string ServiceIpsMap = "service-ips";
    public const string ServiceNodePortsMap = "service-nodeports";
    public const string NoEndpointServicesMap = "no-endpoint-services";
    public const string NoEndpointNodePortsMap = "no-endpoint-nodeports";
    public const string NodePortIpsSet = "nodeport-ips";
    public const string MarkForMasquerade = "mark-for-masquerade";
    public const string Masquerading = "masquerading";
    public const string Services = "services";
    public const string EndpointsCheck = "endpoints-check";
    public const string RejectChain = "reject-chain";

    /// <summary>The chain that balances over every usable endpoint (cluster traffic policy).</summary>
    public static string ServiceChain(ServicePortName port) => $"service-{Hash(port.ToString())}-{port}";

    /// <summary>The chain that balances over this node's endpoints only (a Local traffic policy).</summary>
    public static string LocalChain(ServicePortName port) => $"local-{Hash(port.ToString())}-{port}";

    /// <summary>The chain NodePort, load-balancer and external-IP traffic enters by.</summary>
    public static string ExternalChain(ServicePortName port) => $"external-{Hash(port.ToString())}-{port}";

    /// <summary>The chain that DNATs to one endpoint.</summary>
    public static string EndpointChain(ServicePortName port, ProxyEndpoint endpoint) =>
        $"endpoint-{Hash($"{port}__{endpoint}")}-{port}__{endpoint.Ip}/{endpoint.Port}";

    /// <summary>The set of clients stuck to one endpoint (ClientIP affinity); the timeout is in the name so a change makes a new set.</summary>
    public static string AffinitySet(ServicePortName port, ProxyEndpoint endpoint, int timeoutSeconds) =>
        $"affinity-{Hash($"{port}__{endpoint}")}-{timeoutSeconds}";

    /// <summary>True for the per-service objects this proxy owns and may delete when no longer wanted.</summary>
    public static bool IsServiceObject(string name) =>
        name.StartsWith("service-", StringComparison.Ordinal) && name != ServiceIpsMap && name != ServiceNodePortsMap
        || name.StartsWith("local-", StringComparison.Ordinal)
        || name.StartsWith("external-", StringComparison.Ordinal)
        || name.StartsWith("endpoint-", StringComparison.Ordinal)
        || name.StartsWith("affinity-", StringComparison.Ordinal);

    private static string Hash(string text)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        return Base32(digest[..5]);
    }

    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0UL;
        foreach (var b in bytes)
        {
            bits = bits << 8 | b;
        }

        var chars = new char[8];
        for (var i = 7; i >= 0; i--)
        {
            chars[i] = alphabet[(int)(bits & 31)];
            bits >>= 5;
        }

        return new string(chars);
    }
}
