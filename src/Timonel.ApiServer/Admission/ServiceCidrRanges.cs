using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// The IPv4 ranges ClusterIPs are given from: every ServiceCIDR that is ready and not being
/// deleted, read from the store on each allocation so that all servers see one set (upstream's
/// MetaAllocator keeps the same set from an informer). The default ServiceCIDR ("kubernetes")
/// comes first; when it is absent (a store before its creation) the server's own range stands in.
/// </summary>
internal sealed class ServiceCidrRanges(IStore store, ServiceNetwork network)
{
    public const string DefaultName = "kubernetes";

    private static readonly ApiResource ServiceCidrs = ResourceCatalog.Default.Find("networking.k8s.io", "v1", "servicecidrs")!;

    /// <summary>The server's own range (its --service-cidr).</summary>
    public IpRange Own { get; } = new(DefaultName, network.NetworkAddress, network.Size);

    public async Task<IReadOnlyList<IpRange>> ReadyAsync(CancellationToken cancellationToken)
    {
        var found = new List<(IpRange Range, string Created)>();
        var hasDefault = false;
        string? after = null;
        while (true)
        {
            var page = await store.RangeAsync(new RangeRequest(ServiceCidrs.KeyPrefix, after, 1000), cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Items)
            {
                var cidr = ObjectStore.Decode(kv).Object;
                var name = ObjectMetaAccess.Name(cidr) ?? "";
                hasDefault |= name == DefaultName;
                if (ObjectMetaAccess.IsDeleting(cidr) || !IsReady(cidr))
                {
                    continue;
                }

                foreach (var text in (cidr["spec"]?["cidrs"] as JsonArray ?? []).Select(JsonAccess.AsString).OfType<string>())
                {
                    if (IpRange.TryParse(name, text) is { } range)
                    {
                        found.Add((range, JsonAccess.AsString(cidr["metadata"]?["creationTimestamp"]) ?? ""));
                    }
                }
            }

            if (!page.More || page.Items.Count == 0)
            {
                break;
            }

            after = page.Items[^1].Key;
        }

        var ordered = found.OrderBy(f => f.Range.Name != DefaultName).ThenBy(f => f.Created, StringComparer.Ordinal).ThenBy(f => f.Range.Name, StringComparer.Ordinal).Select(f => f.Range);
        return hasDefault ? [.. ordered] : [Own, .. ordered];
    }

    /// <summary>As upstream: a ServiceCIDR without a Ready condition counts as ready (the controller may not run).</summary>
    private static bool IsReady(JsonObject cidr)
    {
        var ready = (cidr["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => JsonAccess.AsString(c["type"]) == "Ready");
        return ready is null || JsonAccess.AsString(ready["status"]) == "True";
    }
}

/// <summary>An IPv4 block: addresses [Network, Network+Size) as integers; the first and last are never handed out.</summary>
internal sealed record IpRange(string Name, long Network, long Size)
{
    public long First => Network + 1;

    public long Usable => Math.Max(0, Size - 2);

    public bool Contains(long ip) => ip >= First && ip < First + Usable;

    public string Cidr => $"{Format(Network)}/{32 - (int)Math.Log2(Size)}";

    public static IpRange? TryParse(string name, string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || Parse(cidr[..slash]) is not { } address || !int.TryParse(cidr[(slash + 1)..], out var bits) || bits is < 0 or > 32)
        {
            return null;
        }

        var size = 1L << (32 - bits);
        return new IpRange(name, address & ~(size - 1), size);
    }

    /// <summary>An IPv4 address as an integer; null for anything else.</summary>
    public static long? Parse(string ip)
    {
        if (!IPAddress.TryParse(ip, out var addr) || addr.AddressFamily != AddressFamily.InterNetwork || ip.Contains(':', StringComparison.Ordinal))
        {
            return null;
        }

        var b = addr.GetAddressBytes();
        return ((long)b[0] << 24) | ((long)b[1] << 16) | ((long)b[2] << 8) | b[3];
    }

    /// <summary>An address in canonical form (an IPAddress name) as an integer; null for anything else.</summary>
    public static long? ParseCanonical(string ip) => Parse(ip) is { } v && Format(v) == ip ? v : null;

    public static string Format(long value) =>
        new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
}
