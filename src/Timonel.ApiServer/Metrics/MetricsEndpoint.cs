using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Http;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Metrics;

/// <summary>
/// Serves metrics.k8s.io/v1beta1 nodes (NodeMetrics) and pods (PodMetrics) from the collector's
/// last round, read-only, as metrics-server does: get and list (labelSelector on the node's or
/// pod's labels, fieldSelector on metadata.name and, for pods, metadata.namespace; pods across
/// namespaces without one), lists sorted by namespace and name and holding only what has
/// metrics. A node or pod that does not exist is the lister's 404 (<c>node "x" not found</c>);
/// one that exists without metrics yet is metrics-server's (<c>nodemetrics.metrics.k8s.io "x"
/// not found</c>); pods not Running have none. Anything but GET is 405. Authentication,
/// authorization and audit happen before, in the request pipeline, as for any resource.
/// </summary>
internal sealed class MetricsEndpoint(ResourceCatalog catalog, ObjectStore objects, MetricsStore metrics, TimeProvider time, History.RecommendationEndpoint? recommendations = null)
{
    public const string Group = "metrics.k8s.io";

    private readonly ApiResource _nodes = catalog.Find("", "v1", "nodes")!;
    private readonly ApiResource _pods = catalog.Find("", "v1", "pods")!;

    /// <summary>Serves <paramref name="resource"/> (found, scope checked) when it is a metrics resource; false otherwise.</summary>
    public async Task<bool> TryServeAsync(HttpContext context, RequestInfo info, ApiResource resource)
    {
        if (resource.Definition.Handler != ResourceHandler.Metrics)
        {
            return false;
        }

        if (info.Subresource is { } sub)
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource: {resource.GroupResource} has no subresource \"{sub}\"");
        }

        if (context.Request.Method is not ("GET" or "HEAD"))
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource: {context.Request.Method} is not supported on {resource.GroupResource}, which is only read (get, list)");
        }

        if (info.Name is null && QueryBool.Parse(context.Request.Query["watch"]))
        {
            throw ApiException.MethodNotAllowed($"watch is not supported on resources of kind \"{resource.GroupResource}\": list it again instead");
        }

        if (resource.Namespaced && info.Name is not null && info.Namespace is null)
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource: pod metrics are read at /apis/{Group}/{resource.Version}/namespaces/<namespace>/pods/{info.Name}");
        }

        if (recommendations is not null && resource.Namespaced && info.Name is null && History.RecommendationEndpoint.IsAsked(context))
        {
            await recommendations.ServeAsync(context, info.Namespace).ConfigureAwait(false);
            return true;
        }

        var output = OutputFormat.From(context);
        var ct = context.RequestAborted;
        var now = time.GetUtcNow();
        var snapshot = metrics.Current;
        var isPods = resource.Namespaced;
        if (info.Name is { } name)
        {
            var item = isPods
                ? await GetPodAsync(info.Namespace!, name, snapshot, now, output == OutputKind.Object, ct).ConfigureAwait(false)
                : await GetNodeAsync(name, snapshot, now, output == OutputKind.Object, ct).ConfigureAwait(false);
            await ResponseBody.WriteJsonAsync(context, output switch
            {
                OutputKind.Table => TableBuilder.Table(resource, [item], new JsonObject(), context.Request.Query["includeObject"], now),
                OutputKind.PartialObjectMetadata => TableBuilder.PartialMetadata(item),
                _ => item,
            }, 200).ConfigureAwait(false);
            return true;
        }

        var labels = LabelSelector.Parse(NullIfEmpty(context.Request.Query["labelSelector"]));
        var fields = FieldSelector.Parse(NullIfEmpty(context.Request.Query["fieldSelector"]));
        var items = isPods
            ? await ListPodsAsync(info.Namespace, labels, fields, snapshot, now, ct).ConfigureAwait(false)
            : await ListNodesAsync(labels, fields, snapshot, now, ct).ConfigureAwait(false);
        await ResponseBody.WriteJsonAsync(context, output switch
        {
            OutputKind.Table => TableBuilder.Table(resource, items, new JsonObject(), context.Request.Query["includeObject"], now),
            OutputKind.PartialObjectMetadata => TableBuilder.PartialMetadataList(items, new JsonObject()),
            _ => MetricsJson.List(resource.ListKind, items),
        }, 200).ConfigureAwait(false);
        return true;
    }

    private async Task<JsonObject> GetNodeAsync(string name, MetricsSnapshot snapshot, DateTimeOffset now, bool withType, CancellationToken ct)
    {
        var node = (await objects.GetAsync(_nodes, null, name, ct).ConfigureAwait(false))?.Object
            ?? throw ApiException.NotFound("", "node", name);
        return snapshot.Nodes.TryGetValue(name, out var usage)
            ? MetricsJson.Node(node, usage, now, withType)
            : throw ApiException.NotFound(Group, "nodemetrics", name);
    }

    private async Task<JsonObject> GetPodAsync(string ns, string name, MetricsSnapshot snapshot, DateTimeOffset now, bool withType, CancellationToken ct)
    {
        var pod = (await objects.GetAsync(_pods, ns, name, ct).ConfigureAwait(false))?.Object
            ?? throw ApiException.NotFound("", "pod", name);
        return IsRunning(pod) && snapshot.Pods.TryGetValue(new PodKey(ns, name), out var usage)
            ? MetricsJson.Pod(pod, usage, now, withType)
            : throw ApiException.NotFound(Group, "podmetrics", $"{ns}/{name}");
    }

    private async Task<List<JsonObject>> ListNodesAsync(LabelSelector labels, FieldSelector fields, MetricsSnapshot snapshot, DateTimeOffset now, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        foreach (var node in await ListAsync(_nodes.KeyPrefix, ct).ConfigureAwait(false))
        {
            var name = ObjectMetaAccess.Name(node) ?? "";
            if (snapshot.Nodes.TryGetValue(name, out var usage) && labels.Matches(ObjectMetaAccess.Labels(node))
                && fields.Matches(new Dictionary<string, string> { ["metadata.name"] = name }))
            {
                items.Add(MetricsJson.Node(node, usage, now, withType: false));
            }
        }

        return items;
    }

    private async Task<List<JsonObject>> ListPodsAsync(string? ns, LabelSelector labels, FieldSelector fields, MetricsSnapshot snapshot, DateTimeOffset now, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        foreach (var pod in await ListAsync(_pods.PrefixFor(ns), ct).ConfigureAwait(false))
        {
            var key = new PodKey(ObjectMetaAccess.Namespace(pod) ?? "", ObjectMetaAccess.Name(pod) ?? "");
            if (IsRunning(pod) && snapshot.Pods.TryGetValue(key, out var usage) && labels.Matches(ObjectMetaAccess.Labels(pod))
                && fields.Matches(new Dictionary<string, string> { ["metadata.name"] = key.Name, ["metadata.namespace"] = key.Namespace }))
            {
                items.Add(MetricsJson.Pod(pod, usage, now, withType: false));
            }
        }

        return items;
    }

    /// <summary>The objects under <paramref name="prefix"/>, in key order (namespace, then name).</summary>
    private async Task<List<JsonObject>> ListAsync(string prefix, CancellationToken ct)
    {
        var page = await objects.Store.RangeAsync(new RangeRequest(prefix), ct).ConfigureAwait(false);
        return [.. page.Items.Select(kv => ObjectStore.Decode(kv).Object)];
    }

    private static bool IsRunning(JsonObject pod) => JsonAccess.AsString(pod["status"]?["phase"]) == "Running";

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
