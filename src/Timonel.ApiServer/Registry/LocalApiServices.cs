using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Keeps one APIService per group/version this server serves itself ("v1.", "v1.apps", …),
/// Available with reason Local, as kube-apiserver's aggregator registers its local APIs: created
/// at start, added and removed when definitions come and go at run time. Only APIServices it
/// made (label kube-aggregator.kubernetes.io/automanaged) are ever removed.
/// </summary>
internal sealed partial class LocalApiServices(ResourceCatalog catalog, ObjectWriter writer, ObjectStore objects, ObjectDeleter deleter, TimeProvider time, ILogger log)
{
    public const string AutomanagedLabel = "kube-aggregator.kubernetes.io/automanaged";

    // Upstream's priorities for its built-in groups (group minimum, version); other groups sort after them.
    private static readonly Dictionary<string, int> GroupPriorities = new(StringComparer.Ordinal)
    {
        [""] = 18000, ["apps"] = 17800, ["events.k8s.io"] = 17750, ["authentication.k8s.io"] = 17700,
        ["authorization.k8s.io"] = 17600, ["autoscaling"] = 17500, ["batch"] = 17400, ["certificates.k8s.io"] = 17300,
        ["networking.k8s.io"] = 17200, ["policy"] = 17100, ["rbac.authorization.k8s.io"] = 17000, ["storage.k8s.io"] = 16800,
        ["apiextensions.k8s.io"] = 16700, ["admissionregistration.k8s.io"] = 16700, ["scheduling.k8s.io"] = 16600,
        ["coordination.k8s.io"] = 16500, ["node.k8s.io"] = 16300, ["discovery.k8s.io"] = 16200,
        ["flowcontrol.apiserver.k8s.io"] = 16100, ["apiregistration.k8s.io"] = 18000,
    };

    private readonly SemaphoreSlim _sync = new(1, 1);

    /// <summary>Brings the local APIServices in step with the catalog.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var apiServices = catalog.Find("apiregistration.k8s.io", "v1", "apiservices");
        if (apiServices is null)
        {
            return;
        }

        await _sync.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var served = catalog.GroupVersions.ToList();
            var wanted = served.Select(gv => $"{gv.Version}.{gv.Group}").ToHashSet(StringComparer.Ordinal);
            foreach (var (group, version) in served)
            {
                await EnsureAsync(apiServices, group, version, cancellationToken).ConfigureAwait(false);
            }

            var page = await objects.Store.RangeAsync(new Storage.RangeRequest(apiServices.KeyPrefix), cancellationToken).ConfigureAwait(false);
            foreach (var stored in page.Items.Select(ObjectStore.Decode))
            {
                var name = ObjectMetaAccess.Name(stored.Object)!;
                if (!wanted.Contains(name) && stored.Object.Obj("metadata").Obj("labels").Str(AutomanagedLabel) is not null)
                {
                    await deleter.DeleteAsync(apiServices, null, name, new DeleteOptions(null, null, null, null, false), cancellationToken).ConfigureAwait(false);
                    LogRemoved(name);
                }
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>Syncs in the background whenever a definition is added or removed.</summary>
    public void FollowCatalog(CancellationToken stopping) =>
        catalog.Changed += (_, _) => _ = Task.Run(async () =>
        {
            try
            {
                await SyncAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ApiException or Storage.StoreUnavailableException or OperationCanceledException)
            {
                LogSyncFailed(e.Message);
            }
        }, CancellationToken.None);

    private async Task EnsureAsync(ApiResource apiServices, string group, string version, CancellationToken cancellationToken)
    {
        var name = $"{version}.{group}";
        var current = await objects.GetAsync(apiServices, null, name, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            var priority = GroupPriorities.GetValueOrDefault(group, 1000);
            try
            {
                current = await writer.CreateAsync(apiServices, null, new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { [AutomanagedLabel] = "onstart" } },
                    ["spec"] = new JsonObject { ["group"] = group, ["version"] = version, ["groupPriorityMinimum"] = priority, ["versionPriority"] = 15 },
                }, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
                current = await objects.GetAsync(apiServices, null, name, cancellationToken).ConfigureAwait(false);
            }
        }

        // One naming a Service belongs to the availability controller, even for a group served here too.
        if (current is null || current.Object.Obj("spec").Obj("service") is not null
            || current.Object.Obj("status").Arr("conditions").Objects().Any(c => c.Item.Str("type") == "Available" && c.Item.Str("status") == "True"))
        {
            return;
        }

        var status = current.Object.DeepClone().AsObject();
        status["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Available",
                ["status"] = "True",
                ["lastTransitionTime"] = ObjectMetaAccess.Timestamp(time.GetUtcNow()),
                ["reason"] = "Local",
                ["message"] = "Local APIServices are always available",
            }),
        };
        try
        {
            await writer.UpdateAsync(apiServices, status, current, "status", WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Reason is "Conflict" or "NotFound")
        {
            // Another server (or a user) wrote it meanwhile: the next sync looks again.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "removed local APIService {Name}: its group/version is no longer served")]
    private partial void LogRemoved(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not bring the local APIServices in step with the served APIs: {Reason}")]
    private partial void LogSyncFailed(string reason);
}
