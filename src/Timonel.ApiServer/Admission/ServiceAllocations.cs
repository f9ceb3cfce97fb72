using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Gives Services their ClusterIP (from the ready ServiceCIDRs, <see cref="ServiceCidrRanges"/>)
/// and NodePorts (from 30000-32767), and takes them back on update and delete. Each value is
/// claimed in the store before the Service is written (<see cref="StoreAllocator"/>; a ClusterIP
/// claim is its IPAddress object), so several API servers on one datastore never hand out the
/// same value twice; a failed write releases exactly the claims it made.
/// <see cref="AllocationRepair"/> reconciles claims with the stored Services.
/// </summary>
internal sealed partial class ServiceAllocations : IAdmissionHook
{
    /// <summary>Where ClusterIP claims lived before they were IPAddress objects (<see cref="ServiceIpMigration"/>).</summary>
    public const string LegacyIpPrefix = "/timonel/allocations/serviceips/";
    public const string NodePortPrefix = "/timonel/allocations/nodeports/";

    private static readonly ApiResource IpAddresses = ResourceCatalog.Default.Find("networking.k8s.io", "v1", "ipaddresses")!;

    private readonly IStore _store;
    private readonly ApiResource _services;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly IClaimCodec _ipClaims;
    private readonly ConditionalWeakTable<JsonObject, List<Reservation>> _reservations = [];

    public ServiceAllocations(ServiceNetwork network, IStore store, ApiResource services, Random random, ILogger logger, TimeProvider? time = null, ObjectStore? objects = null)
    {
        _store = store;
        _services = services;
        _logger = logger;
        _random = random;
        _ipClaims = new IpAddressClaims(time ?? TimeProvider.System, objects);
        Ranges = new ServiceCidrRanges(store, network);
        // Every IPv4 address: claims are read and written by address; which ranges hand them out is Ranges' business.
        Ips = new StoreAllocator(store, IpPrefix, 0, 1L << 32, IpRange.Format, IpRange.ParseCanonical, random, _ipClaims);
        Ports = new StoreAllocator(
            store, NodePortPrefix, network.NodePortFirst, network.NodePortLast - network.NodePortFirst + 1,
            p => p.ToString(CultureInfo.InvariantCulture),
            s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null,
            random);
    }

    /// <summary>The store prefix of IPAddress objects: the ClusterIP claims.</summary>
    public static string IpPrefix => IpAddresses.KeyPrefix;

    public ServiceCidrRanges Ranges { get; }

    public StoreAllocator Ips { get; }

    public StoreAllocator Ports { get; }

    public bool AppliesTo(ApiResource resource) => resource.Group == "" && resource.Plural == "services";

    public async Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken)
    {
        var reserved = _reservations.GetValue(obj, _ => []);
        try
        {
            // Requested values first: a clash then fails the request before anything is written.
            foreach (var automatic in new[] { false, true })
            {
                await AllocateIpAsync(obj, null, dryRun, automatic, reserved, cancellationToken).ConfigureAwait(false);
                await AllocatePortsAsync(obj, null, dryRun, automatic, reserved, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // The writer aborts only hooks that admitted: give back what this one took so far.
            await AbortAsync(resource, obj, null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken)
    {
        var reserved = _reservations.GetValue(obj, _ => []);
        try
        {
            // Requested values first: a clash then fails the request before anything is written.
            foreach (var automatic in new[] { false, true })
            {
                await AllocateIpAsync(obj, old, dryRun, automatic, reserved, cancellationToken).ConfigureAwait(false);
                await AllocatePortsAsync(obj, old, dryRun, automatic, reserved, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await AbortAsync(resource, obj, old, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task UpdatedAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken)
    {
        _reservations.Remove(obj);
        // A change to ExternalName (or a dropped clusterIP or nodePort) gives the value back.
        var owner = Owner(old);
        await ReleaseAsync(Ips, ClusterIps(old).Except(ClusterIps(obj)).Select(IpRange.Parse).OfType<long>(), owner, cancellationToken).ConfigureAwait(false);
        await ReleaseAsync(Ports, NodePorts(old).Except(NodePorts(obj)), owner, cancellationToken).ConfigureAwait(false);
    }

    public async Task AbortAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (!_reservations.TryGetValue(obj, out var reserved))
        {
            return;
        }

        _reservations.Remove(obj);
        if (reserved.Count == 0)
        {
            return;
        }

        try
        {
            // A create that lost a race to a create of the same name (that took over our claim as
            // its owner's) must not free what the stored Service now holds.
            var stored = await _store.GetAsync(_services.KeyFor(ObjectMetaAccess.Namespace(obj), ObjectMetaAccess.Name(obj)!), cancellationToken).ConfigureAwait(false);
            var holds = stored is null ? null : ObjectStore.Decode(stored).Object;
            foreach (var r in reserved)
            {
                var held = holds is not null && (r.Allocator == Ips
                    ? HeldIps(holds).Contains(r.Value)
                    : NodePorts(holds).Contains(r.Value));
                if (!held)
                {
                    await r.Allocator.ReleaseExactAsync(r.Value, r.ModRevision, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (StoreUnavailableException e)
        {
            Log.ReleaseFailed(_logger, Owner(obj), e);
        }
    }

    public async Task DeletedAsync(ApiResource resource, JsonObject deleted, CancellationToken cancellationToken)
    {
        var owner = Owner(deleted);
        await ReleaseAsync(Ips, HeldIps(deleted), owner, cancellationToken).ConfigureAwait(false);
        await ReleaseAsync(Ports, NodePorts(deleted), owner, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"namespace/name": the owner recorded in a claim.</summary>
    public static string Owner(JsonObject svc) => $"{ObjectMetaAccess.Namespace(svc)}/{ObjectMetaAccess.Name(svc)}";

    /// <summary>The IPv4 ClusterIPs (as integers) a stored Service holds.</summary>
    public IEnumerable<long> HeldIps(JsonObject svc) => ClusterIps(svc).Select(IpRange.Parse).OfType<long>();

    /// <summary>The node ports a stored Service holds (within this server's range).</summary>
    public IEnumerable<long> HeldPorts(JsonObject svc) => NodePorts(svc).Where(Ports.Contains);

    private async Task ReleaseAsync(StoreAllocator allocator, IEnumerable<long> values, string owner, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var value in values)
            {
                await allocator.ReleaseAsync(value, owner, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StoreUnavailableException e)
        {
            // The claim stays; the repair pass frees it once no Service holds it.
            Log.ReleaseFailed(_logger, owner, e);
        }
    }

    /// <summary>With <paramref name="automatic"/> false, claims only a requested address; with true, picks one if none was requested.</summary>
    private async Task AllocateIpAsync(JsonObject svc, JsonObject? old, bool dryRun, bool automatic, List<Reservation> reserved, CancellationToken cancellationToken)
    {
        var spec = svc["spec"] as JsonObject ?? throw ApiException.Invalid("", "Service", ObjectMetaAccess.Name(svc) ?? "", [FieldError.Required("spec")]);
        var type = JsonAccess.AsString(spec["type"]) ?? "ClusterIP";
        var requested = JsonAccess.AsString(spec["clusterIP"]) ?? (spec["clusterIPs"] as JsonArray)?.Select(JsonAccess.AsString).FirstOrDefault();
        if (type == "ExternalName")
        {
            return;
        }

        if (old is not null && ClusterIps(old).FirstOrDefault() is { } kept)
        {
            if (string.IsNullOrEmpty(requested))
            {
                // An update that leaves clusterIP out keeps the allocated one, as upstream does.
                spec["clusterIP"] = kept;
                spec["clusterIPs"] = new JsonArray(kept);
            }

            return;
        }

        if (requested == "None")
        {
            spec["clusterIPs"] = new JsonArray("None");
            return;
        }

        var owner = Owner(svc);
        if (string.IsNullOrEmpty(requested) != automatic)
        {
            return;
        }

        long ip;
        var ranges = await Ranges.ReadyAsync(cancellationToken).ConfigureAwait(false);
        if (automatic)
        {
            // Upstream's MetaAllocator: the first ready range with a free address.
            (long Value, long ModRevision)? next = null;
            foreach (var range in ranges)
            {
                next = await InRange(range).ClaimNextAsync(owner, dryRun, cancellationToken).ConfigureAwait(false);
                if (next is not null)
                {
                    break;
                }
            }

            ip = next?.Value ?? throw ApiException.Internal("failed to allocate a service IP: the service CIDR is full");
            if (!dryRun)
            {
                reserved.Add(new Reservation(Ips, ip, next.Value.ModRevision));
            }
        }
        else
        {
            ip = IpRange.Parse(requested!) is { } parsed && ranges.Any(r => r.Contains(parsed)) ? parsed : throw NotInRange(svc, requested!, ranges, dryRun);
            await ClaimAsync(Ips, ip, owner, dryRun, reserved, cancellationToken, () => ApiException.Invalid("", "Service", ObjectMetaAccess.Name(svc) ?? "",
                [FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: provided IP is already allocated")])).ConfigureAwait(false);
        }

        var address = IpRange.Format(ip);
        spec["clusterIP"] = address;
        spec["clusterIPs"] = new JsonArray(address);
    }

    /// <summary>
    /// Upstream 1.33's words for an address no ready ServiceCIDR holds: its MetaAllocator finds no
    /// range for it; a dry run asks one range's allocator, which names that range.
    /// </summary>
    private static ApiException NotInRange(JsonObject svc, string requested, IReadOnlyList<IpRange> ranges, bool dryRun)
    {
        var reason = dryRun && ranges.Count > 0
            ? $"the provided IP ({requested}) is not in the valid range. The range of valid IPs is {ranges[0].Cidr}"
            : "the provided network does not match the current range";
        return ApiException.Invalid("", "Service", ObjectMetaAccess.Name(svc) ?? "", [FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: {reason}")]);
    }

    private StoreAllocator InRange(IpRange range) =>
        new(_store, IpPrefix, range.First, range.Usable, IpRange.Format, IpRange.ParseCanonical, _random, _ipClaims);

    private async Task AllocatePortsAsync(JsonObject svc, JsonObject? old, bool dryRun, bool automatic, List<Reservation> reserved, CancellationToken cancellationToken)
    {
        var spec = (JsonObject)svc["spec"]!;
        var type = JsonAccess.AsString(spec["type"]) ?? "ClusterIP";
        var ports = (spec["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var needsPorts = type is "NodePort" or "LoadBalancer";
        var held = old is null ? new HashSet<long>() : NodePorts(old).ToHashSet();
        var owner = Owner(svc);
        foreach (var port in ports)
        {
            var requested = JsonAccess.WholeNumber(port["nodePort"]);
            if (!needsPorts)
            {
                if (requested is not null && requested != 0)
                {
                    port.Remove("nodePort");
                }

                continue;
            }

            if ((requested is null or 0) != automatic)
            {
                continue;
            }

            if (automatic)
            {
                var next = await Ports.ClaimNextAsync(owner, dryRun, cancellationToken).ConfigureAwait(false)
                    ?? throw ApiException.Internal("failed to allocate a node port: the range is full");
                if (!dryRun)
                {
                    reserved.Add(new Reservation(Ports, next.Value, next.ModRevision));
                }

                port["nodePort"] = next.Value;
            }
            else if (!held.Contains(requested.GetValueOrDefault()))
            {
                var p = requested.GetValueOrDefault();
                var field = $"spec.ports[{ports.IndexOf(port)}].nodePort";
                var text = p.ToString(CultureInfo.InvariantCulture);
                if (!Ports.Contains(p))
                {
                    throw ApiException.Invalid("", "Service", ObjectMetaAccess.Name(svc) ?? "",
                        [FieldError.Invalid(field, text, $"provided port is not in the valid range. The range of valid ports is {Ports.First}-{Ports.First + Ports.Size - 1}")]);
                }

                await ClaimAsync(Ports, p, owner, dryRun, reserved, cancellationToken, () => ApiException.Invalid("", "Service", ObjectMetaAccess.Name(svc) ?? "",
                    [FieldError.Invalid(field, text, "provided port is already allocated")])).ConfigureAwait(false);
                held.Add(p);
            }
        }
    }

    private static async Task ClaimAsync(StoreAllocator allocator, long value, string owner, bool dryRun, List<Reservation> reserved, CancellationToken cancellationToken, Func<ApiException> taken)
    {
        if (dryRun)
        {
            if (!await allocator.IsFreeAsync(value, owner, cancellationToken).ConfigureAwait(false))
            {
                throw taken();
            }

            return;
        }

        var claim = await allocator.TryClaimAsync(value, owner, cancellationToken).ConfigureAwait(false);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Taken:
                throw taken();
            case ClaimOutcome.Claimed:
                reserved.Add(new Reservation(allocator, value, claim.ModRevision));
                break;
            default:
                // Held under this name already (a racing create of the same name, or a crash
                // between claim and write): use it, but it is not ours to release on failure.
                break;
        }
    }

    private static IEnumerable<string> ClusterIps(JsonObject svc)
    {
        var ip = JsonAccess.AsString(svc["spec"]?["clusterIP"]);
        if (!string.IsNullOrEmpty(ip) && ip != "None")
        {
            yield return ip;
        }
    }

    private static IEnumerable<long> NodePorts(JsonObject svc) =>
        (svc["spec"]?["ports"] as JsonArray)?.Select(p => JsonAccess.WholeNumber(p?["nodePort"])).OfType<long>().Where(p => p != 0) ?? [];

    /// <summary>A claim this request created, released if its write fails.</summary>
    private sealed record Reservation(StoreAllocator Allocator, long Value, long ModRevision);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "could not release the allocations of service {Service}; the repair pass will")]
        public static partial void ReleaseFailed(ILogger logger, string service, Exception error);
    }
}
