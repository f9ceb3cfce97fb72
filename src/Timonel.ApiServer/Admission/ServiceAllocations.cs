using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Gives Services their ClusterIP (from the service CIDR) and NodePorts (from 30000-32767), and
/// takes them back on update and delete. Each value is claimed in the store before the Service
/// is written (<see cref="StoreAllocator"/>), so several API servers on one datastore never hand
/// out the same value twice; a failed write releases exactly the claims it made.
/// <see cref="AllocationRepair"/> reconciles claims with the stored Services.
/// </summary>
internal sealed partial class ServiceAllocations : IAdmissionHook
{
    public const string IpPrefix = "/timonel/allocations/serviceips/";
    public const string NodePortPrefix = "/timonel/allocations/nodeports/";

    private readonly uint _network;
    private readonly IStore _store;
    private readonly ApiResource _services;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<JsonObject, List<Reservation>> _reservations = [];

    public ServiceAllocations(ServiceNetwork network, IStore store, ApiResource services, Random random, ILogger logger)
    {
        _network = network.NetworkAddress;
        _store = store;
        _services = services;
        _logger = logger;
        // Skip the network address (offset 0) and the broadcast; offset 1 is the kubernetes service.
        Ips = new StoreAllocator(store, IpPrefix, 1, network.Size - 2, o => Address(o), ip => Offset(ip), random);
        Ports = new StoreAllocator(
            store, NodePortPrefix, network.NodePortFirst, network.NodePortLast - network.NodePortFirst + 1,
            p => p.ToString(CultureInfo.InvariantCulture),
            s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null,
            random);
    }

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
        await ReleaseAsync(Ips, ClusterIps(old).Except(ClusterIps(obj)).Select(Offset).OfType<long>(), owner, cancellationToken).ConfigureAwait(false);
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
            var stored = await _store.GetAsync(_services.KeyFor(Meta.Namespace(obj), Meta.Name(obj)!), cancellationToken).ConfigureAwait(false);
            var holds = stored is null ? null : ObjectStore.Decode(stored).Object;
            foreach (var r in reserved)
            {
                var held = holds is not null && (r.Allocator == Ips
                    ? ClusterIps(holds).Select(Offset).Contains(r.Value)
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
        await ReleaseAsync(Ips, ClusterIps(deleted).Select(Offset).OfType<long>(), owner, cancellationToken).ConfigureAwait(false);
        await ReleaseAsync(Ports, NodePorts(deleted), owner, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"namespace/name": the owner recorded in a claim.</summary>
    public static string Owner(JsonObject svc) => $"{Meta.Namespace(svc)}/{Meta.Name(svc)}";

    /// <summary>The ClusterIP offsets a stored Service holds (within this server's CIDR).</summary>
    public IEnumerable<long> HeldIps(JsonObject svc) => ClusterIps(svc).Select(Offset).OfType<long>();

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
        var spec = svc["spec"] as JsonObject ?? throw ApiException.Invalid("", "Service", Meta.Name(svc) ?? "", [FieldError.Required("spec")]);
        var type = Meta.Str(spec["type"]) ?? "ClusterIP";
        var requested = Meta.Str(spec["clusterIP"]) ?? (spec["clusterIPs"] as JsonArray)?.Select(Meta.Str).FirstOrDefault();
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

        long offset;
        if (automatic)
        {
            var next = await Ips.ClaimNextAsync(owner, dryRun, cancellationToken).ConfigureAwait(false)
                ?? throw ApiException.Internal("failed to allocate a service IP: the service CIDR is full");
            offset = next.Value;
            if (!dryRun)
            {
                reserved.Add(new Reservation(Ips, offset, next.ModRevision));
            }
        }
        else
        {
            offset = Offset(requested!) ?? throw ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
                [FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {Cidr()}")]);
            await ClaimAsync(Ips, offset, owner, dryRun, reserved, cancellationToken, () => ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
                [FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: provided IP is already allocated")])).ConfigureAwait(false);
        }

        var ip = Address(offset);
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
    }

    private async Task AllocatePortsAsync(JsonObject svc, JsonObject? old, bool dryRun, bool automatic, List<Reservation> reserved, CancellationToken cancellationToken)
    {
        var spec = (JsonObject)svc["spec"]!;
        var type = Meta.Str(spec["type"]) ?? "ClusterIP";
        var ports = (spec["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var needsPorts = type is "NodePort" or "LoadBalancer";
        var held = old is null ? new HashSet<long>() : NodePorts(old).ToHashSet();
        var owner = Owner(svc);
        foreach (var port in ports)
        {
            var requested = Meta.Long(port["nodePort"]);
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
                    throw ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
                        [FieldError.Invalid(field, text, $"provided port is not in the valid range. The range of valid ports is {Ports.First}-{Ports.First + Ports.Size - 1}")]);
                }

                await ClaimAsync(Ports, p, owner, dryRun, reserved, cancellationToken, () => ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
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
        var ip = Meta.Str(svc["spec"]?["clusterIP"]);
        if (!string.IsNullOrEmpty(ip) && ip != "None")
        {
            yield return ip;
        }
    }

    private static IEnumerable<long> NodePorts(JsonObject svc) =>
        (svc["spec"]?["ports"] as JsonArray)?.Select(p => Meta.Long(p?["nodePort"])).OfType<long>().Where(p => p != 0) ?? [];

    private long? Offset(string ip)
    {
        if (!IPAddress.TryParse(ip, out var addr) || addr.AddressFamily != AddressFamily.InterNetwork)
        {
            return null;
        }

        var bytes = addr.GetAddressBytes();
        var value = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        var offset = (long)value - _network;
        return offset >= Ips.First && offset < Ips.First + Ips.Size ? offset : null;
    }

    private string Address(long offset)
    {
        var value = (uint)(_network + offset);
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
    }

    private string Cidr() => $"{Address(0)}/{32 - (int)Math.Log2(Ips.Size + 2)}";

    /// <summary>A claim this request created, released if its write fails.</summary>
    private sealed record Reservation(StoreAllocator Allocator, long Value, long ModRevision);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "could not release the allocations of service {Service}; the repair pass will")]
        public static partial void ReleaseFailed(ILogger logger, string service, Exception error);
    }
}
