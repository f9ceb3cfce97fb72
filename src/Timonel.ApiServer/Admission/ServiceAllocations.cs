using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Resources;
using Timonel.ApiServer.Registry;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Gives Services their ClusterIP (from the service CIDR) and NodePorts (from 30000-32767), and
/// takes them back on delete. The allocated sets are rebuilt from the stored Services at start,
/// so nothing is handed out twice across restarts; within the process a value is reserved
/// before the store write and released if the write fails.
/// </summary>
internal sealed class ServiceAllocations : IAdmissionHook
{
    private readonly IntAllocator _ips;
    private readonly IntAllocator _ports;
    private readonly uint _network;

    public ServiceAllocations(ServiceNetwork network, Random random)
    {
        _network = network.NetworkAddress;
        // Skip the network address (offset 0) and the broadcast; offset 1 is the kubernetes service.
        _ips = new IntAllocator(1, network.Size - 2, random);
        _ports = new IntAllocator(network.NodePortFirst, network.NodePortLast - network.NodePortFirst + 1, random);
    }

    public bool AppliesTo(ApiResource resource) => resource.Group == "" && resource.Plural == "services";

    /// <summary>Marks what the stored services hold; called once at start.</summary>
    public async Task LoadAsync(IStore store, ApiResource services, CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var page = await store.RangeAsync(new RangeRequest(services.KeyPrefix, after, 1000), cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Items)
            {
                var svc = ObjectStore.Decode(kv).Object;
                foreach (var ip in ClusterIps(svc))
                {
                    if (Offset(ip) is { } o)
                    {
                        _ips.TryAllocate(o);
                    }
                }

                foreach (var port in NodePorts(svc))
                {
                    _ports.TryAllocate(port);
                }
            }

            if (!page.More)
            {
                break;
            }

            after = page.Items[^1].Key;
        }
    }

    public Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken)
    {
        var reserved = new List<Action>();
        try
        {
            AllocateIp(obj, null, dryRun, reserved);
            AllocatePorts(obj, null, dryRun, reserved);
        }
        catch
        {
            reserved.ForEach(r => r());
            throw;
        }

        return Task.CompletedTask;
    }

    public Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken)
    {
        var reserved = new List<Action>();
        try
        {
            AllocateIp(obj, old, dryRun, reserved);
            AllocatePorts(obj, old, dryRun, reserved);
        }
        catch
        {
            reserved.ForEach(r => r());
            throw;
        }

        return Task.CompletedTask;
    }

    public void Updated(ApiResource resource, JsonObject obj, JsonObject old)
    {
        // A change to ExternalName (or a dropped clusterIP) gives the address back.
        foreach (var ip in ClusterIps(old).Except(ClusterIps(obj)))
        {
            if (Offset(ip) is { } o)
            {
                _ips.Release(o);
            }
        }

        foreach (var port in NodePorts(old).Except(NodePorts(obj)))
        {
            _ports.Release(port);
        }
    }

    public void Abort(ApiResource resource, JsonObject obj, JsonObject? old)
    {
        var keepIps = old is null ? [] : ClusterIps(old).ToHashSet();
        foreach (var ip in ClusterIps(obj).Where(i => !keepIps.Contains(i)))
        {
            if (Offset(ip) is { } o)
            {
                _ips.Release(o);
            }
        }

        var keepPorts = old is null ? [] : NodePorts(old).ToHashSet();
        foreach (var port in NodePorts(obj).Where(p => !keepPorts.Contains(p)))
        {
            _ports.Release(port);
        }
    }

    public void Deleted(ApiResource resource, JsonObject deleted)
    {
        foreach (var ip in ClusterIps(deleted))
        {
            if (Offset(ip) is { } o)
            {
                _ips.Release(o);
            }
        }

        foreach (var port in NodePorts(deleted))
        {
            _ports.Release(port);
        }
    }

    private void AllocateIp(JsonObject svc, JsonObject? old, bool dryRun, List<Action> reserved)
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

        long offset;
        if (string.IsNullOrEmpty(requested))
        {
            offset = _ips.AllocateNext(!dryRun) ?? throw ApiException.Internal("failed to allocate a service IP: the service CIDR is full");
        }
        else
        {
            offset = Offset(requested) ?? throw ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
                [FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {Cidr()}")]);
            if (dryRun ? !_ips.IsFree(offset) : !_ips.TryAllocate(offset))
            {
                throw ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
                    [FieldError.Invalid("spec.clusterIPs", requested, $"failed to allocate IP {requested}: provided IP is already allocated")]);
            }
        }

        if (!dryRun)
        {
            reserved.Add(() => _ips.Release(offset));
        }

        var ip = Address(offset);
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
    }

    private void AllocatePorts(JsonObject svc, JsonObject? old, bool dryRun, List<Action> reserved)
    {
        var spec = (JsonObject)svc["spec"]!;
        var type = Meta.Str(spec["type"]) ?? "ClusterIP";
        var ports = (spec["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var needsPorts = type is "NodePort" or "LoadBalancer";
        var held = old is null ? new HashSet<long>() : NodePorts(old).ToHashSet();
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

            if (requested is null or 0)
            {
                var p = _ports.AllocateNext(!dryRun) ?? throw ApiException.Internal("failed to allocate a node port: the range is full");
                if (!dryRun)
                {
                    reserved.Add(() => _ports.Release(p));
                }

                port["nodePort"] = p;
            }
            else if (!held.Contains(requested.Value))
            {
                var p = requested.Value;
                if (!_ports.Contains(p))
                {
                    throw ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
                        [FieldError.Invalid($"spec.ports[{ports.IndexOf(port)}].nodePort", p.ToString(System.Globalization.CultureInfo.InvariantCulture), $"provided port is not in the valid range. The range of valid ports is {_ports.First}-{_ports.First + _ports.Size - 1}")]);
                }

                if (dryRun ? !_ports.IsFree(p) : !_ports.TryAllocate(p))
                {
                    throw ApiException.Invalid("", "Service", Meta.Name(svc) ?? "",
                        [FieldError.Invalid($"spec.ports[{ports.IndexOf(port)}].nodePort", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "provided port is already allocated")]);
                }

                if (!dryRun)
                {
                    reserved.Add(() => _ports.Release(p));
                }
            }
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
        return offset >= _ips.First && offset < _ips.First + _ips.Size ? offset : null;
    }

    private string Address(long offset)
    {
        var value = (uint)(_network + offset);
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
    }

    private string Cidr() => $"{Address(0)}/{32 - (int)Math.Log2(_ips.Size + 2)}";
}
