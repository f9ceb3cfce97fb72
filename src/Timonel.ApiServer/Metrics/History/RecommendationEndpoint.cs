using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Quota;
using Timonel.Api.Validation;
using Timonel.ApiServer.Http;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// Serves request and limit recommendations (what `timonel recommend` prints) on the pod metrics
/// list with <c>?recommendations=true</c> (read as upstream reads a boolean parameter; false is the plain list): <c>GET /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods?recommendations=true[&amp;workload=Kind/name]</c>,
/// or across namespaces at <c>/apis/metrics.k8s.io/v1beta1/pods?recommendations=true</c>. The
/// path is the pod metrics list's, so the request pipeline authorizes it as that list (RBAC
/// <c>list pods.metrics.k8s.io</c> in the namespace), audits it and refuses it with 403 like any
/// list: whoever may read a namespace's usage may read what it suggests. One item per workload
/// container: the current requests and limits of the workload's pod template, the history's
/// sample count and span, and the target (null until there is enough history).
/// </summary>
internal sealed class RecommendationEndpoint(ResourceCatalog catalog, ObjectStore objects, UsageHistory history)
{
    public const string Parameter = "recommendations";
    public const string WorkloadParameter = "workload";
    public const string ApiVersion = "timonel.dev/v1alpha1";

    /// <summary>Whether the request asks for recommendations rather than pod metrics.</summary>
    public static bool IsAsked(HttpContext context) => QueryBool.Parse(context.Request.Query[Parameter]);

    public async Task ServeAsync(HttpContext context, string? ns)
    {
        var ct = context.RequestAborted;
        WorkloadRef? named = null;
        JsonObject? namedObject = null;
        if (context.Request.Query[WorkloadParameter].ToString() is { Length: > 0 } text)
        {
            if (ns is null)
            {
                throw ApiException.BadRequest($"{WorkloadParameter}=\"{text}\" names a workload, which lives in a namespace: ask at /apis/metrics.k8s.io/v1beta1/namespaces/<namespace>/pods");
            }

            named = Parse(ns, text);
            namedObject = await GetAsync(named.Value, ct).ConfigureAwait(false)
                ?? throw ApiException.NotFound(Group(named.Value.Kind), WorkloadRef.Kinds[named.Value.Kind].Plural, named.Value.Name);
        }

        var found = history.Recommend(c => named is { } w ? c.Workload == w : ns is null || c.Workload.Namespace == ns);
        var byWorkload = found.GroupBy(f => f.Container.Workload).ToDictionary(g => g.Key, g => g.ToDictionary(f => f.Container.Container, f => f.Recommendation, StringComparer.Ordinal));
        if (named is { } only && !byWorkload.ContainsKey(only))
        {
            byWorkload[only] = new Dictionary<string, ContainerRecommendation>(StringComparer.Ordinal);
        }

        var items = new JsonArray();
        foreach (var (workload, containers) in byWorkload.OrderBy(w => w.Key.Namespace, StringComparer.Ordinal).ThenBy(w => w.Key.Kind, StringComparer.Ordinal).ThenBy(w => w.Key.Name, StringComparer.Ordinal))
        {
            var obj = workload == named ? namedObject : await GetAsync(workload, ct).ConfigureAwait(false);
            var template = obj is null ? [] : TemplateContainers(workload.Kind, obj);
            // The template's containers in its order (those with no history yet too), then any the history has that it no longer lists.
            var names = template.Select(c => JsonAccess.AsString(c["name"]) ?? "").Concat(containers.Keys.Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                var spec = template.FirstOrDefault(c => JsonAccess.AsString(c["name"]) == name);
                items.Add(Item(workload, name, spec, containers.GetValueOrDefault(name)));
            }
        }

        await ResponseBody.WriteJsonAsync(context, new JsonObject
        {
            ["kind"] = "ContainerRecommendationList",
            ["apiVersion"] = ApiVersion,
            ["metadata"] = new JsonObject(),
            ["minSamples"] = Recommender.MinSamples,
            ["items"] = items,
        }, 200).ConfigureAwait(false);
    }

    /// <summary>"Kind/name" with Kind one of <see cref="WorkloadRef.Kinds"/>.</summary>
    private static WorkloadRef Parse(string ns, string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1 || text.IndexOf('/', slash + 1) >= 0)
        {
            throw ApiException.BadRequest($"{WorkloadParameter}=\"{text}\" is not Kind/name, such as Deployment/web");
        }

        var kind = text[..slash];
        if (!WorkloadRef.Kinds.ContainsKey(kind))
        {
            throw ApiException.BadRequest($"{WorkloadParameter}=\"{text}\": kind \"{kind}\" is not one of {string.Join(", ", WorkloadRef.Kinds.Keys)}");
        }

        return new WorkloadRef(ns, kind, text[(slash + 1)..]);
    }

    private static string Group(string kind) => WorkloadRef.Kinds[kind].Group;

    private async Task<JsonObject?> GetAsync(WorkloadRef workload, CancellationToken ct)
    {
        var (group, version, plural) = WorkloadRef.Kinds[workload.Kind];
        var resource = catalog.Find(group, version, plural)!;
        return (await objects.GetAsync(resource, workload.Namespace, workload.Name, ct).ConfigureAwait(false))?.Object;
    }

    private static List<JsonObject> TemplateContainers(string kind, JsonObject obj)
    {
        var podSpec = kind switch
        {
            "Pod" => obj.Obj("spec"),
            "CronJob" => obj.Obj("spec").Obj("jobTemplate").Obj("spec").Obj("template").Obj("spec"),
            _ => obj.Obj("spec").Obj("template").Obj("spec"),
        };
        return [.. (podSpec.Arr("containers") ?? []).OfType<JsonObject>()];
    }

    private static JsonObject Item(WorkloadRef workload, string container, JsonObject? spec, ContainerRecommendation? recommendation)
    {
        var requests = spec.Obj("resources").Obj("requests");
        var limits = spec.Obj("resources").Obj("limits");
        var item = new JsonObject
        {
            ["namespace"] = workload.Namespace,
            ["workload"] = new JsonObject { ["kind"] = workload.Kind, ["name"] = workload.Name },
            ["container"] = container,
            ["current"] = new JsonObject { ["requests"] = Pick(requests), ["limits"] = Pick(limits) },
            ["samples"] = recommendation?.Samples ?? 0,
        };
        if (recommendation is { FirstSample: { } first, LastSample: { } last })
        {
            item["firstSample"] = ObjectMetaAccess.Timestamp(first);
            item["lastSample"] = ObjectMetaAccess.Timestamp(last);
        }

        if (recommendation is { Enough: true, CpuCores: { } cpu, MemoryBytes: { } memory })
        {
            item["target"] = new JsonObject { ["cpu"] = QuantityFormat.Format(cpu, binary: false), ["memory"] = QuantityFormat.Format(memory, binary: true) };
            var limit = new JsonObject();
            if (Recommender.Limit(cpu, Amount(requests, "cpu"), Amount(limits, "cpu"), binary: false) is { } cpuLimit)
            {
                limit["cpu"] = QuantityFormat.Format(cpuLimit, binary: false);
            }

            if (Recommender.Limit(memory, Amount(requests, "memory"), Amount(limits, "memory"), binary: true) is { } memoryLimit)
            {
                limit["memory"] = QuantityFormat.Format(memoryLimit, binary: true);
            }

            item["limit"] = limit;
        }

        return item;
    }

    private static JsonObject Pick(JsonObject? amounts)
    {
        var picked = new JsonObject();
        foreach (var name in new[] { "cpu", "memory" })
        {
            if (JsonAccess.AsString(amounts?[name]) is { } text)
            {
                picked[name] = text;
            }
        }

        return picked;
    }

    private static decimal? Amount(JsonObject? amounts, string name) =>
        Quantity.TryParse(JsonAccess.AsString(amounts?[name]), out var value) ? value : null;
}
