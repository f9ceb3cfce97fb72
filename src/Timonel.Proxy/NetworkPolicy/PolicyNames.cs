using System.Security.Cryptography;
using System.Text;

namespace Timonel.Proxy.NetworkPolicy;

/// <summary>
/// Names in the policy table. Per-pod chains carry a short hash (unique however long the names)
/// and the readable namespace/pod, so `nft list table inet timonel-netpol` reads like the cluster.
/// </summary>
public static class PolicyNames
{
    public const string Family = "inet";
    public const string Table = "timonel-netpol";
    public const string IngressPodsMap = "ingress-pods";
    public const string EgressPodsMap = "egress-pods";
    public const string ForwardChain = "forward";

    // nft's limit is 256 bytes with the NUL; the readable part is cut well below it.
    private const int MaxReadable = 180;

    public static string IngressChain(string ns, string pod) => Chain("ingress", ns, pod);

    public static string EgressChain(string ns, string pod) => Chain("egress", ns, pod);

    private static string Chain(string direction, string ns, string pod)
    {
        var readable = $"{ns}/{pod}";
        if (readable.Length > MaxReadable)
        {
            readable = readable[..MaxReadable];
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{ns}/{pod}"), digest);
        return $"{direction}-{Convert.ToHexStringLower(digest[..5])}-{readable}";
    }
}
