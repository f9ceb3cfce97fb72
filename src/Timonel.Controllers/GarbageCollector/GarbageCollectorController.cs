using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.Dynamic;
using Timonel.Registry.CustomResources;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.GarbageCollector;

/// <summary>
/// Upstream's garbage collector: builds the owner graph from the ownerReferences of every watched
/// resource and keys its work queue by uid. An object whose owners are all gone (checked with a
/// live GET, the caches may lag) is deleted; an owner deleted in the foreground waits for its
/// blocking dependents, which are deleted first; an owner deleted with orphan propagation has its
/// reference removed from every dependent before it goes.
/// </summary>
public sealed partial class GarbageCollectorController : Controller, IController
{
    private readonly ControllerContext _context;
    private readonly DynamicClient _api;
    private readonly ResourceCatalog _catalog;
    private readonly OwnerGraph _graph = new();
    private readonly IReadOnlyDictionary<ApiResource, ISharedInformer> _informers;
    private readonly ISharedInformer _crds;
    private readonly DiscoveredMonitors _monitors;

    public GarbageCollectorController(ControllerContext context)
        : base("garbage-collector-controller", context.Loggers.CreateLogger("garbage-collector-controller"), context.Time)
    {
        _context = context;
        _api = new DynamicClient(context.Client);
        _catalog = context.Catalog;
        _informers = CatalogInformers.Watch(context.Informers, _catalog.Primary.Where(IsCollected), OnChange);
        _monitors = new DiscoveredMonitors(
            context.Client,
            new ApiDiscovery(_api, _catalog),
            r => _catalog.Find(r.Group, r.Version, r.Plural) is not null || _catalog.FindByKind(r.Group, r.Kind) is not null,
            OnChange,
            context.Loggers,
            context.Time);

        // Only that a CRD changed matters (its objects appear in discovery once it is Established), so the untyped model will do.
        var crds = context.Informers.Get(new ResourceKind<CustomResourceObject>(CustomResourceDefinitions.Group, "v1", "CustomResourceDefinition", CustomResourceDefinitions.Plural));
        crds.AddEventHandler(
            onAdd: _ => _monitors.RequestResync(),
            onUpdate: (_, _) => _monitors.RequestResync(),
            onDelete: _ => _monitors.RequestResync());
        _crds = crds;
    }

    string IController.Name => "garbagecollector";

    /// <summary>The graph as the collector sees it (for tests and diagnostics).</summary>
    public OwnerGraph Graph => _graph;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await _monitors.SyncAsync(OnMonitorsChangedAsync, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (DiscoveredMonitors.IsDiscoveryFailure(e))
            {
                // The built-in resources need no discovery: collect them now, custom ones once discovery answers.
                Log.DiscoveryFailed(Logger, e.Message);
                _monitors.RequestResync();
            }

            await Task.WhenAll(
                RunAsync(_context.Options.Workers, [.. _informers.Values, _crds], cancellationToken),
                _monitors.RunAsync(OnMonitorsChangedAsync, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            await _monitors.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// New monitors synced: dependents whose owners the graph did not know may now have them
    /// (or know them gone), so they are looked at again. Stopped monitors: their resource is no
    /// longer served, so its objects are gone, as if deleted.
    /// </summary>
    private Task OnMonitorsChangedAsync(IReadOnlyList<ApiResource> started, IReadOnlyList<ApiResource> stopped)
    {
        foreach (var resource in stopped)
        {
            foreach (var node in _graph.Nodes().Where(n => n.Resource.Group == resource.Group && n.Resource.Plural == resource.Plural))
            {
                Forget(node.Uid);
            }
        }

        if (started.Count > 0)
        {
            foreach (var node in _graph.Nodes().Where(n => n.Owners.Any(o => _graph.Get(o.Uid) is null)))
            {
                Enqueue(node.Uid);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Events are never owners nor owned in a way worth collecting (upstream ignores them too).</summary>
    private static bool IsCollected(ApiResource resource) => resource.Plural != "events";

    private void OnChange(ApiResource resource, IKubernetesObject<V1ObjectMeta>? old, IKubernetesObject<V1ObjectMeta>? current)
    {
        if (current is null)
        {
            if (old?.Metadata?.Uid is { Length: > 0 } uid)
            {
                Forget(uid);
            }

            return;
        }

        if (current.Metadata?.Uid is not { Length: > 0 })
        {
            return;
        }

        var node = GraphNode.Of(resource, current.Metadata);
        var previous = _graph.Upsert(node);
        var changed = previous is null
            || previous.Deleting != node.Deleting
            || !previous.Finalizers.SequenceEqual(node.Finalizers)
            || previous.OwnersDifferFrom(node);
        if (!changed)
        {
            return;
        }

        if (node.Owners.Count > 0 || node.Deleting)
        {
            Enqueue(node.Uid);
        }

        foreach (var owner in previous?.Owners ?? [])
        {
            // A reference dropped or unblocked: the owner may no longer be waiting on this object.
            Enqueue(owner.Uid);
        }
    }

    /// <summary>Drops an object that is gone from the graph.</summary>
    private void Forget(string uid)
    {
        var removed = _graph.Remove(uid);
        // Its dependents may now be garbage; owners waiting in the foreground may be free to go.
        foreach (var dependent in _graph.Dependents(uid))
        {
            Enqueue(dependent.Uid);
        }

        foreach (var owner in removed?.Owners ?? [])
        {
            Enqueue(owner.Uid);
        }
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var node = _graph.Get(key);
        if (node is null)
        {
            return;
        }

        if (node.IsOrphaning)
        {
            await OrphanDependentsAsync(node, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (node.IsDeletingDependents)
        {
            await ProcessDeletingDependentsAsync(node, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (node.Deleting || node.Owners.Count == 0)
        {
            return;
        }

        await AttemptToDeleteAsync(node, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes <paramref name="item"/> when none of its owners still exists (or all wait for it in the foreground).</summary>
    private async Task AttemptToDeleteAsync(GraphNode item, CancellationToken cancellationToken)
    {
        // The common case, every owner present and not being deleted, needs no API call.
        if (item.Owners.All(o => _graph.Get(o.Uid) is { Deleting: false }))
        {
            return;
        }

        var live = await _api.GetAsync(item.Resource, item.Namespace, item.Name, cancellationToken).ConfigureAwait(false);
        if (live is null || Uid(live) != item.Uid)
        {
            return;
        }

        var refs = OwnerRefs(live);
        if (refs.Count == 0)
        {
            return;
        }

        var solid = new List<JsonObject>();
        var dangling = new List<JsonObject>();
        var waiting = new List<JsonObject>();
        foreach (var reference in refs)
        {
            switch (await ClassifyAsync(item, reference, cancellationToken).ConfigureAwait(false))
            {
                case OwnerState.Absent:
                    dangling.Add(reference);
                    break;
                case OwnerState.WaitingForDependents:
                    waiting.Add(reference);
                    break;
                default:
                    solid.Add(reference);
                    break;
            }
        }

        if (solid.Count > 0)
        {
            if (dangling.Count == 0 && waiting.Count == 0)
            {
                return;
            }

            // Still owned: drop the references to owners that are gone and stop blocking the ones
            // deleting in the foreground, so neither waits on an object that will stay.
            var danglingUids = dangling.Select(RefUid).ToHashSet(StringComparer.Ordinal);
            var waitingUids = waiting.Select(RefUid).ToHashSet(StringComparer.Ordinal);
            var kept = new JsonArray();
            foreach (var reference in refs)
            {
                if (danglingUids.Contains(RefUid(reference)))
                {
                    continue;
                }

                var copy = (JsonObject)reference.DeepClone();
                if (waitingUids.Contains(RefUid(reference)))
                {
                    copy["blockOwnerDeletion"] = false;
                }

                kept.Add(copy);
            }

            live["metadata"]!["ownerReferences"] = kept;
            await UpdateIgnoringGoneAsync(item.Resource, live, cancellationToken).ConfigureAwait(false);
            return;
        }

        string policy;
        if (waiting.Count > 0 && _graph.Dependents(item.Uid).Count > 0)
        {
            // An owner waits for this object, which has dependents of its own: they go first.
            policy = "Foreground";
        }
        else
        {
            var finalizers = Finalizers(live);
            policy = finalizers.Contains(GraphNode.OrphanFinalizer) ? "Orphan"
                : finalizers.Contains(GraphNode.ForegroundFinalizer) ? "Foreground"
                : "Background";
        }

        if (await _api.DeleteAsync(item.Resource, item.Namespace, item.Name, policy, item.Uid, cancellationToken).ConfigureAwait(false))
        {
            Log.Deleted(Logger, item.Resource.GroupResource, ObjectKeys.KeyOf(item.Namespace, item.Name), policy);
        }
    }

    private enum OwnerState
    {
        Present,
        Absent,
        WaitingForDependents,
    }

    private async Task<OwnerState> ClassifyAsync(GraphNode item, JsonObject reference, CancellationToken cancellationToken)
    {
        var uid = RefUid(reference);
        if (_graph.Get(uid) is { Deleting: false })
        {
            return OwnerState.Present;
        }

        var apiVersion = reference["apiVersion"]?.GetValue<string>() ?? "";
        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        var kind = reference["kind"]?.GetValue<string>() ?? "";
        var name = reference["name"]?.GetValue<string>() ?? "";
        var resource = _catalog.FindByKind(group, kind) ?? _monitors.FindByKind(group, kind);
        if (resource is null && _monitors.IsGone(group, kind))
        {
            // Its CRD was deleted, and with it every object of the kind.
            return OwnerState.Absent;
        }

        if (resource is null || name.Length == 0)
        {
            // A kind this server does not serve: never delete on a guess.
            return OwnerState.Present;
        }

        var owner = await _api.GetAsync(resource, resource.Namespaced ? item.Namespace : null, name, cancellationToken).ConfigureAwait(false);
        if (owner is null || Uid(owner) != uid)
        {
            return OwnerState.Absent;
        }

        var deleting = owner["metadata"]?["deletionTimestamp"] is not null;
        return deleting && Finalizers(owner).Contains(GraphNode.ForegroundFinalizer) ? OwnerState.WaitingForDependents : OwnerState.Present;
    }

    /// <summary>An owner deleting in the foreground: have its dependents deleted, and let it go once none blocks.</summary>
    private async Task ProcessDeletingDependentsAsync(GraphNode owner, CancellationToken cancellationToken)
    {
        var dependents = _graph.Dependents(owner.Uid);
        foreach (var dependent in dependents.Where(d => !d.Deleting || d.IsDeletingDependents))
        {
            Enqueue(dependent.Uid);
        }

        var blocking = dependents.Count(d => d.OwnerRef(owner.Uid)?.BlockOwnerDeletion == true);
        if (blocking == 0)
        {
            await RemoveFinalizerAsync(owner, GraphNode.ForegroundFinalizer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An owner deleting with orphan propagation: its dependents lose the reference, then the owner loses the finalizer.</summary>
    private async Task OrphanDependentsAsync(GraphNode owner, CancellationToken cancellationToken)
    {
        foreach (var dependent in _graph.Dependents(owner.Uid))
        {
            var live = await _api.GetAsync(dependent.Resource, dependent.Namespace, dependent.Name, cancellationToken).ConfigureAwait(false);
            if (live is null || Uid(live) != dependent.Uid)
            {
                continue;
            }

            var refs = OwnerRefs(live);
            var kept = refs.Where(r => RefUid(r) != owner.Uid).ToList();
            if (kept.Count == refs.Count)
            {
                continue;
            }

            live["metadata"]!["ownerReferences"] = kept.Count == 0 ? null : new JsonArray([.. kept.Select(r => r.DeepClone())]);
            await UpdateIgnoringGoneAsync(dependent.Resource, live, cancellationToken).ConfigureAwait(false);
        }

        await RemoveFinalizerAsync(owner, GraphNode.OrphanFinalizer, cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveFinalizerAsync(GraphNode node, string finalizer, CancellationToken cancellationToken)
    {
        var live = await _api.GetAsync(node.Resource, node.Namespace, node.Name, cancellationToken).ConfigureAwait(false);
        if (live is null || Uid(live) != node.Uid)
        {
            return;
        }

        var finalizers = Finalizers(live);
        if (!finalizers.Remove(finalizer))
        {
            return;
        }

        live["metadata"]!["finalizers"] = finalizers.Count == 0 ? null : new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        await UpdateIgnoringGoneAsync(node.Resource, live, cancellationToken).ConfigureAwait(false);
        Log.FinalizerRemoved(Logger, finalizer, node.Resource.GroupResource, ObjectKeys.KeyOf(node.Namespace, node.Name));
    }

    /// <summary>PUT that treats a vanished object as done; a conflict throws so the key is retried on fresh state.</summary>
    private async Task UpdateIgnoringGoneAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        try
        {
            await _api.UpdateAsync(resource, obj, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e) when (e.IsNotFound)
        {
        }
    }

    private static string? Uid(JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>();

    private static string RefUid(JsonObject reference) => reference["uid"]?.GetValue<string>() ?? "";

    private static List<JsonObject> OwnerRefs(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];

    private static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>()).OfType<string>().ToList() ?? [];

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "deleted {Resource} {Key} (owners gone), propagation {Policy}")]
        public static partial void Deleted(ILogger logger, string resource, string key, string policy);

        [LoggerMessage(Level = LogLevel.Warning, Message = "discovery failed at start; custom resources are collected once it answers: {Reason}")]
        public static partial void DiscoveryFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "removed finalizer {Finalizer} from {Resource} {Key}")]
        public static partial void FinalizerRemoved(ILogger logger, string finalizer, string resource, string key);
    }
}
