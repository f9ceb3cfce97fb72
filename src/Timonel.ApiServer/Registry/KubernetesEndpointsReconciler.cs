using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Upstream's lease endpoint reconciler, basic form: each API server keeps a lease record
/// (its advertise address and port, renewed every <see cref="Interval"/>) in the datastore and
/// rewrites the Endpoints and EndpointSlice "kubernetes" in "default" to the addresses of the
/// servers whose lease is fresh. A server that stops removes its own lease; one that dies is
/// dropped once its lease is older than <see cref="LeaseTtl"/>.
/// </summary>
internal sealed partial class KubernetesEndpointsReconciler(
    IStore store,
    ObjectStore objects,
    ObjectWriter writer,
    ResourceCatalog catalog,
    IPAddress advertiseAddress,
    int port,
    TimeProvider time,
    ILogger logger)
{
    public const string LeasePrefix = "/timonel/apiserver-leases/";
    public const string Name = "kubernetes";
    public const string Namespace = "default";
    public const string SkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    private readonly ApiResource _endpoints = catalog.Find("", "v1", "endpoints")!;
    private readonly ApiResource _slices = catalog.Find("discovery.k8s.io", "v1", "endpointslices")!;

    /// <summary>How often the lease is renewed and the endpoints reconciled (upstream: 10 s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A lease older than this is another server that is gone (upstream: 15 s).</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// False for a datastore only this server uses (embedded SQLite, a private memory store):
    /// every other lease is a leftover of an earlier run, and nothing is renewed periodically,
    /// so an idle server writes nothing.
    /// </summary>
    public bool SharedDatastore { get; init; } = true;

    private string LeaseKey => $"{LeasePrefix}{advertiseAddress}:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Renews this server's lease and reconciles until <paramref name="ct"/> fires, then removes the lease.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (SharedDatastore && !ct.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ApiException or StoreUnavailableException && !ct.IsCancellationRequested)
            {
                Log.Failed(logger, e.Message);
            }

            try
            {
                await Task.Delay(Interval, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        if (!SharedDatastore)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Leave promptly: clients should not be sent to a server that has stopped.
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await RemoveAsync(cleanup.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ApiException or StoreUnavailableException or OperationCanceledException or ObjectDisposedException)
        {
            Log.Failed(logger, e.Message);
        }
    }

    /// <summary>Renews this server's lease, drops stale ones and writes the endpoints of the fresh ones.</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await RenewAsync(now, ct).ConfigureAwait(false);
        await WriteEndpointsAsync(await LiveServersAsync(now, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <summary>Deletes this server's lease and rewrites the endpoints without it.</summary>
    public async Task RemoveAsync(CancellationToken ct)
    {
        if (await store.GetAsync(LeaseKey, ct).ConfigureAwait(false) is { } mine)
        {
            await store.DeleteAsync(LeaseKey, mine.ModRevision, ct).ConfigureAwait(false);
        }

        await WriteEndpointsAsync(await LiveServersAsync(time.GetUtcNow(), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    private async Task RenewAsync(DateTimeOffset now, CancellationToken ct)
    {
        var value = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["ip"] = advertiseAddress.ToString(),
            ["port"] = port,
            ["renewTime"] = now.ToUnixTimeMilliseconds(),
        });
        var current = await store.GetAsync(LeaseKey, ct).ConfigureAwait(false);
        _ = current is null
            ? await store.CreateAsync(LeaseKey, value, ct).ConfigureAwait(false)
            : await store.UpdateAsync(LeaseKey, value, current.ModRevision, ct).ConfigureAwait(false);
    }

    private async Task<List<(string Ip, int Port)>> LiveServersAsync(DateTimeOffset now, CancellationToken ct)
    {
        var live = new List<(string Ip, int Port)>();
        var leases = await store.RangeAsync(new RangeRequest(LeasePrefix), ct).ConfigureAwait(false);
        foreach (var lease in leases.Items)
        {
            JsonObject? parsed = null;
            try
            {
                parsed = JsonNode.Parse(lease.Value.Span) as JsonObject;
            }
            catch (JsonException)
            {
                // A corrupt record is treated as stale and removed below.
            }

            var ip = JsonAccess.AsString(parsed?["ip"]);
            var leasePort = (int?)JsonAccess.WholeNumber(parsed?["port"]);
            var renewed = JsonAccess.WholeNumber(parsed?["renewTime"]);
            var leftover = !SharedDatastore && lease.Key != LeaseKey;
            if (leftover || ip is null || leasePort is null || renewed is null || DateTimeOffset.FromUnixTimeMilliseconds(renewed.Value) + LeaseTtl < now)
            {
                // Conditional: a server that renewed meanwhile keeps its lease.
                await store.DeleteAsync(lease.Key, lease.ModRevision, ct).ConfigureAwait(false);
                continue;
            }

            live.Add((ip, leasePort.Value));
        }

        return live;
    }

    private async Task WriteEndpointsAsync(List<(string Ip, int Port)> servers, CancellationToken ct)
    {
        // Servers on one port share a subset; the slice mirrors the first subset, as upstream's adapter does.
        var subsets = servers.GroupBy(s => s.Port).OrderBy(g => g.Key).Select(g => (Port: g.Key, Ips: g.Select(s => s.Ip).Distinct().OrderBy(ip => ip, StringComparer.Ordinal).ToList())).ToList();
        var endpoints = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace, ["labels"] = new JsonObject { [SkipMirrorLabel] = "true" } },
            ["subsets"] = new JsonArray(subsets.Select(s => (JsonNode?)new JsonObject
            {
                ["addresses"] = new JsonArray(s.Ips.Select(ip => (JsonNode?)new JsonObject { ["ip"] = ip }).ToArray()),
                ["ports"] = new JsonArray(Port(s.Port)),
            }).ToArray()),
        };
        var first = subsets.FirstOrDefault();
        var slice = new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace, ["labels"] = new JsonObject { [ServiceNameLabel] = Name } },
            ["addressType"] = "IPv4",
            ["endpoints"] = new JsonArray((first.Ips ?? []).Select(ip => (JsonNode?)new JsonObject
            {
                ["addresses"] = new JsonArray(ip),
                ["conditions"] = new JsonObject { ["ready"] = true },
            }).ToArray()),
            ["ports"] = first.Ips is null ? new JsonArray() : new JsonArray(Port(first.Port)),
        };
        await EnsureAsync(_endpoints, endpoints, ["subsets"], ct).ConfigureAwait(false);
        await EnsureAsync(_slices, slice, ["addressType", "endpoints", "ports"], ct).ConfigureAwait(false);
    }

    private static JsonObject Port(int port) => new() { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" };

    /// <summary>Creates <paramref name="desired"/> or updates the stored object when its labels or <paramref name="fields"/> differ.</summary>
    private async Task EnsureAsync(ApiResource resource, JsonObject desired, string[] fields, CancellationToken ct)
    {
        var current = await objects.GetAsync(resource, Namespace, Name, ct).ConfigureAwait(false);
        if (current is null)
        {
            try
            {
                await writer.CreateAsync(resource, Namespace, desired, WriteOptions.Default(), ct).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
                // Another server wrote it first; the next round compares with theirs.
            }

            return;
        }

        var updated = (JsonObject)current.Object.DeepClone();
        var changed = false;
        foreach (var field in fields)
        {
            if (!JsonNode.DeepEquals(updated[field], desired[field]))
            {
                updated[field] = desired[field]!.DeepClone();
                changed = true;
            }
        }

        var labels = ObjectMetaAccess.Metadata(updated)["labels"] as JsonObject ?? [];
        foreach (var (key, value) in desired["metadata"]!["labels"]!.AsObject())
        {
            if (JsonAccess.AsString(labels[key]) != JsonAccess.AsString(value))
            {
                labels[key] = value!.DeepClone();
                changed = true;
            }
        }

        ObjectMetaAccess.Metadata(updated)["labels"] = labels;
        if (!changed)
        {
            return;
        }

        try
        {
            await writer.UpdateAsync(resource, updated, current, null, WriteOptions.Default(), ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Reason is "Conflict" or "NotFound")
        {
            // Another server reconciled meanwhile; the next round converges.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "could not reconcile the endpoints of the kubernetes service: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
