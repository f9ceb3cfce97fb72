using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Security.Node;

/// <summary>
/// Keeps the <see cref="NodeGraph"/> current from the store's watch of pods, persistent
/// volumes and volume attachments (upstream's graph_populator over informers): each event
/// replaces the edges its object declares, so an authorization decision is a lookup. Also
/// keeps, for NodeRestriction, the node and UID of every bound pod (a few strings each, not
/// the pods). Like an informer, it lags the store by the watch's delay: a pod bound a moment
/// ago may not yet grant its node its secrets (the kubelet retries, as against upstream).
/// </summary>
internal sealed partial class NodeGraphPopulator(ObjectStore objects, ResourceCatalog catalog, NodeGraph graph, TimeProvider time, ILogger log)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, BoundPod> _bound = new(StringComparer.Ordinal);

    public NodeGraph Graph => graph;

    /// <summary>The node and UID of the bound pod <paramref name="ns"/>/<paramref name="name"/>, if the watch has seen it.</summary>
    public BoundPod? BoundPodOf(string ns, string name) => _bound.TryGetValue($"{ns}/{name}", out var pod) ? pod : null;

    /// <summary>Follows the three resources until <paramref name="cancellationToken"/> ends.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(
        FollowAsync(catalog.Find("", "v1", "pods")!, VertexKind.Pod, ApplyPod, cancellationToken),
        FollowAsync(catalog.Find("", "v1", "persistentvolumes")!, VertexKind.PersistentVolume, o => Apply(GraphEdges.OfPersistentVolume(o)), cancellationToken),
        FollowAsync(catalog.Find("storage.k8s.io", "v1", "volumeattachments")!, VertexKind.VolumeAttachment, o => Apply(GraphEdges.OfVolumeAttachment(o)), cancellationToken));

    /// <summary>Applies one pod as the watch would (tests feed the graph through this).</summary>
    public void ApplyPod(JsonObject pod)
    {
        var (owner, edges) = GraphEdges.OfPod(pod);
        graph.SetEdges(owner, edges);
        var key = $"{owner.Namespace}/{owner.Name}";
        if (Timonel.Api.Validation.JsonAccess.Str(Timonel.Api.Validation.JsonAccess.Obj(pod, "spec"), "nodeName") is { Length: > 0 } node)
        {
            _bound[key] = new BoundPod(node, Timonel.Api.Validation.ObjectMetaAccess.Uid(pod) ?? "");
        }
        else
        {
            _bound.TryRemove(key, out _);
        }
    }

    /// <summary>Removes one pod as a delete event would.</summary>
    public void RemovePod(string ns, string name)
    {
        graph.Remove(new Vertex(VertexKind.Pod, ns, name));
        _bound.TryRemove($"{ns}/{name}", out _);
    }

    private void Apply((Vertex Owner, List<(Vertex, Vertex)> Edges) declared) => graph.SetEdges(declared.Owner, declared.Edges);

    private async Task FollowAsync(ApiResource resource, VertexKind kind, Action<JsonObject> apply, CancellationToken cancellationToken)
    {
        var store = objects.Store;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await store.RangeAsync(new RangeRequest(resource.KeyPrefix), cancellationToken).ConfigureAwait(false);
                // A fresh list replaces everything this resource declared (objects deleted while
                // the watch was down must not keep granting access).
                graph.Clear(kind);
                if (kind == VertexKind.Pod)
                {
                    _bound.Clear();
                }

                foreach (var kv in list.Items)
                {
                    apply(ObjectStore.Decode(kv).Object);
                }

                await foreach (var e in store.WatchAsync(resource.KeyPrefix, list.Revision, cancellationToken).ConfigureAwait(false))
                {
                    if (e.Type == WatchEventType.Delete)
                    {
                        Removed(resource, kind, e.Kv.Key);
                    }
                    else
                    {
                        apply(ObjectStore.Decode(e.Kv).Object);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.Relisting(log, resource.Plural, e.Message);
                try
                {
                    await Task.Delay(RetryDelay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // A delete event's key is <prefix><namespace>/<name> (namespaced) or <prefix><name>.
    private void Removed(ApiResource resource, VertexKind kind, string key)
    {
        var rest = key[resource.KeyPrefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var (ns, name) = resource.Namespaced && slash > 0 ? (rest[..slash], rest[(slash + 1)..]) : ("", rest);
        if (kind == VertexKind.Pod)
        {
            RemovePod(ns, name);
        }
        else
        {
            graph.Remove(new Vertex(kind, ns, name));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Node authorizer graph lost its watch of {Resource}, listing again: {Reason}")]
        public static partial void Relisting(ILogger logger, string resource, string reason);
    }
}

/// <summary>Where a pod runs and which pod it is (NodeRestriction compares both).</summary>
internal sealed record BoundPod(string NodeName, string Uid);
