using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// v1 ComponentStatus (deprecated upstream since 1.19, still served): the health of the
/// scheduler, the controller manager and the datastore, computed at each read. Upstream probes
/// each component's /healthz; Timonel's components run in-process under leader election, so a
/// component is healthy while its Lease in kube-system is held and renewed within its duration,
/// and etcd-0 is healthy while the store answers.
/// </summary>
internal sealed class ComponentStatuses(ObjectStore objects, ResourceCatalog catalog, Func<CancellationToken, Task<bool>> storeReachable, TimeProvider time)
{
    /// <summary>Upstream's deprecation warning, sent with every componentstatuses response.</summary>
    public const string DeprecationWarning = "v1 ComponentStatus is deprecated in v1.19+";

    // The components and the Leases they take (ComponentRunner runs them in kube-system).
    private static readonly (string Name, string? Lease)[] Components = [("scheduler", "kube-scheduler"), ("controller-manager", "kube-controller-manager"), ("etcd-0", null)];

    private readonly ApiResource _leases = catalog.Find("coordination.k8s.io", "v1", "leases")!;

    /// <summary>scheduler, controller-manager and etcd-0, in that order.</summary>
    public async Task<List<JsonObject>> ListAsync(CancellationToken ct)
    {
        var items = new List<JsonObject>();
        foreach (var (name, lease) in Components)
        {
            items.Add(await StatusOfAsync(name, lease, ct).ConfigureAwait(false));
        }

        return items;
    }

    /// <summary>One component's status, or null for a name that is none.</summary>
    public async Task<JsonObject?> GetAsync(string name, CancellationToken ct)
    {
        foreach (var (component, lease) in Components)
        {
            if (component == name)
            {
                return await StatusOfAsync(component, lease, ct).ConfigureAwait(false);
            }
        }

        return null;
    }

    private async Task<JsonObject> StatusOfAsync(string name, string? lease, CancellationToken ct)
    {
        var error = lease is null ? await StoreErrorAsync(ct).ConfigureAwait(false) : await LeaseErrorAsync(lease, ct).ConfigureAwait(false);
        var condition = new JsonObject { ["type"] = "Healthy", ["status"] = error is null ? "True" : "False" };
        if (error is null)
        {
            condition["message"] = "ok";
        }
        else
        {
            condition["error"] = error;
        }

        return new JsonObject
        {
            ["kind"] = "ComponentStatus",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["creationTimestamp"] = null },
            ["conditions"] = new JsonArray(condition),
        };
    }

    private async Task<string?> StoreErrorAsync(CancellationToken ct) =>
        await storeReachable(ct).ConfigureAwait(false) ? null : "the datastore is not reachable";

    /// <summary>Why the component holding <paramref name="lease"/> is not healthy, or null when it is.</summary>
    private async Task<string?> LeaseErrorAsync(string lease, CancellationToken ct)
    {
        var stored = await objects.GetAsync(_leases, "kube-system", lease, ct).ConfigureAwait(false);
        var spec = stored?.Object["spec"] as JsonObject;
        if (JsonAccess.AsString(spec?["holderIdentity"]) is not { Length: > 0 } holder)
        {
            return $"no instance holds the Lease kube-system/{lease}: the component is not running";
        }

        var renewed = JsonAccess.AsString(spec!["renewTime"]) ?? JsonAccess.AsString(spec["acquireTime"]);
        var seconds = spec["leaseDurationSeconds"] is JsonValue v && v.TryGetValue<int>(out var d) ? d : 0;
        if (renewed is null || !DateTimeOffset.TryParse(renewed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return $"the Lease kube-system/{lease} held by {holder} has never been renewed";
        }

        if (at + TimeSpan.FromSeconds(seconds) <= time.GetUtcNow())
        {
            return $"the Lease kube-system/{lease} held by {holder} expired: last renewed {renewed}, valid for {seconds}s";
        }

        return null;
    }
}
