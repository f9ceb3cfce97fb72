using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Resources;

namespace Timonel.Api.Discovery;

/// <summary>
/// The discovery documents built once from the catalog: legacy (/api, /apis, one
/// APIResourceList per group-version) and aggregated (apidiscovery.k8s.io v2 and v2beta1, one
/// request for everything). Clients tell which they got from the response Content-Type.
/// </summary>
public sealed class DiscoveryDocuments
{
    public const string AggregatedV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    public const string AggregatedV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    private readonly Dictionary<string, byte[]> _legacy = new(StringComparer.Ordinal);
    private readonly byte[] _coreAggregatedV2;
    private readonly byte[] _groupsAggregatedV2;
    private readonly byte[] _coreAggregatedV2Beta1;
    private readonly byte[] _groupsAggregatedV2Beta1;

    public DiscoveryDocuments(ResourceCatalog catalog)
    {
        var groups = catalog.All.GroupBy(r => r.Group).ToList();
        foreach (var (group, version) in catalog.GroupVersions)
        {
            var resources = catalog.All.Where(r => r.Group == group && r.Version == version).ToList();
            var path = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            _legacy[path] = Bytes(ResourceList(group, version, resources));
        }

        _legacy["/api"] = Bytes(new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(),
        });
        var named = groups.Where(g => g.Key.Length > 0).ToList();
        _legacy["/apis"] = Bytes(new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = new JsonArray(named.Select(g => (JsonNode)Group(g.Key, g.Select(r => r.Version).Distinct())).ToArray()),
        });
        foreach (var g in named)
        {
            var doc = Group(g.Key, g.Select(r => r.Version).Distinct());
            doc["kind"] = "APIGroup";
            doc["apiVersion"] = "v1";
            _legacy[$"/apis/{g.Key}"] = Bytes(doc);
        }

        _coreAggregatedV2 = Bytes(Aggregated("v2", groups.Where(g => g.Key.Length == 0)));
        _groupsAggregatedV2 = Bytes(Aggregated("v2", named));
        _coreAggregatedV2Beta1 = Bytes(Aggregated("v2beta1", groups.Where(g => g.Key.Length == 0)));
        _groupsAggregatedV2Beta1 = Bytes(Aggregated("v2beta1", named));
    }

    /// <summary>
    /// The document for a discovery path, in the form the Accept header prefers (aggregated
    /// for /api and /apis when asked for), or null when the path is not a discovery path.
    /// </summary>
    public (string ContentType, byte[] Body)? Find(string path, string? accept)
    {
        path = path.TrimEnd('/');
        if (path is "/api" or "/apis")
        {
            foreach (var part in (accept ?? "").Split(','))
            {
                var p = part.Replace(" ", "", StringComparison.Ordinal);
                if (p.Contains("g=apidiscovery.k8s.io", StringComparison.Ordinal) && p.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal))
                {
                    if (p.Contains("v=v2;", StringComparison.Ordinal) || p.EndsWith("v=v2", StringComparison.Ordinal))
                    {
                        return (AggregatedV2, path == "/api" ? _coreAggregatedV2 : _groupsAggregatedV2);
                    }

                    if (p.Contains("v=v2beta1", StringComparison.Ordinal))
                    {
                        return (AggregatedV2Beta1, path == "/api" ? _coreAggregatedV2Beta1 : _groupsAggregatedV2Beta1);
                    }
                }
                else if (p.StartsWith("application/json", StringComparison.Ordinal) || p.StartsWith("*/*", StringComparison.Ordinal) || p.Length == 0)
                {
                    break;
                }
            }
        }

        return _legacy.TryGetValue(path, out var body) ? ("application/json", body) : null;
    }

    private static JsonObject Group(string name, IEnumerable<string> versions)
    {
        var list = versions.Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v }).ToArray();
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray(list),
            ["preferredVersion"] = list[0].DeepClone(),
        };
    }

    private static JsonObject ResourceList(string group, string version, List<ApiResource> resources)
    {
        var items = new JsonArray();
        foreach (var r in resources)
        {
            var entry = new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = Strings(AllVerbs),
            };
            if (r.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(r.ShortNames);
            }

            if (r.Categories.Count > 0)
            {
                entry["categories"] = Strings(r.Categories);
            }

            items.Add(entry);
            foreach (var sub in r.Subresources)
            {
                var (g, v, kind, verbs) = Subresource(r, sub);
                var s = new JsonObject
                {
                    ["name"] = $"{r.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                    ["kind"] = kind,
                    ["verbs"] = Strings(verbs),
                };
                if (g != group || v != version)
                {
                    s["group"] = g;
                    s["version"] = v;
                }

                items.Add(s);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = items,
        };
    }

    private static JsonObject Aggregated(string apiVersion, IEnumerable<IGrouping<string, ApiResource>> groups) => new()
    {
        ["kind"] = "APIGroupDiscoveryList",
        ["apiVersion"] = $"apidiscovery.k8s.io/{apiVersion}",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray(groups.Select(g => (JsonNode)new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = g.Key, ["creationTimestamp"] = null },
            ["versions"] = new JsonArray(g.GroupBy(r => r.Version).Select(v => (JsonNode)new JsonObject
            {
                ["version"] = v.Key,
                ["resources"] = new JsonArray(v.Select(r => (JsonNode)AggregatedResource(r)).ToArray()),
                ["freshness"] = "Current",
            }).ToArray()),
        }).ToArray()),
    };

    private static JsonObject AggregatedResource(ApiResource r)
    {
        var entry = new JsonObject
        {
            ["resource"] = r.Plural,
            ["responseKind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
            ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = r.Singular,
            ["verbs"] = Strings(AllVerbs),
        };
        if (r.ShortNames.Count > 0)
        {
            entry["shortNames"] = Strings(r.ShortNames);
        }

        if (r.Categories.Count > 0)
        {
            entry["categories"] = Strings(r.Categories);
        }

        if (r.Subresources.Count > 0)
        {
            entry["subresources"] = new JsonArray(r.Subresources.Select(sub =>
            {
                var (g, v, kind, verbs) = Subresource(r, sub);
                return (JsonNode)new JsonObject
                {
                    ["subresource"] = sub,
                    ["responseKind"] = new JsonObject { ["group"] = g, ["version"] = v, ["kind"] = kind },
                    ["verbs"] = Strings(verbs),
                };
            }).ToArray());
        }

        return entry;
    }

    /// <summary>What a subresource returns and accepts, as upstream lists it.</summary>
    private static (string Group, string Version, string Kind, string[] Verbs) Subresource(ApiResource r, string sub) => sub switch
    {
        "status" => (r.Group, r.Version, r.Kind, ["get", "patch", "update"]),
        "scale" => ("autoscaling", "v1", "Scale", ["get", "patch", "update"]),
        "binding" => ("", "v1", "Binding", ["create"]),
        "eviction" => ("policy", "v1", "Eviction", ["create"]),
        "finalize" => (r.Group, r.Version, r.Kind, ["update"]),
        _ => (r.Group, r.Version, r.Kind, ["get"]),
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static byte[] Bytes(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node);
}
