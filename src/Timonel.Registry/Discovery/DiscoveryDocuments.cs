using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Serialization;
using Timonel.Registry.Resources;

namespace Timonel.Registry.Discovery;

/// <summary>
/// The discovery documents of the catalog: /api, /apis, /apis/&lt;group&gt;,
/// /api/v1 and /apis/&lt;group&gt;/&lt;version&gt; (legacy), and the aggregated
/// APIGroupDiscoveryList for /api and /apis in v2 and v2beta1 with their ETags. Built once per
/// catalog revision: a definition added or removed shows on the next read.
/// </summary>
public sealed class DiscoveryDocuments
{
    /// <summary>Verbs of a full REST resource, as upstream lists them.</summary>
    public static readonly IReadOnlyList<string> ResourceVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    private readonly ResourceCatalog _catalog;
    private Built _built;

    public DiscoveryDocuments(ResourceCatalog catalog)
    {
        _catalog = catalog;
        _built = new Built(catalog);
    }

    /// <summary>/apis as APIGroupList (legacy discovery).</summary>
    public byte[] GroupListJson => Current.GroupListJson;

    /// <summary>/api as APIVersions; <paramref name="serverAddress"/> ("host:port") goes into serverAddressByClientCIDRs.</summary>
    public static byte[] ApiVersionsJson(string serverAddress) => Serialize(new JsonObject
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = serverAddress,
        }),
    });

    /// <summary>/apis/&lt;group&gt; as APIGroup, or null for a group not served.</summary>
    public byte[]? GroupJson(string group) => Current.Groups.GetValueOrDefault(group);

    /// <summary>/api/v1 ("" group) or /apis/&lt;group&gt;/&lt;version&gt; as APIResourceList, or null when not served.</summary>
    public byte[]? ResourceListJson(string group, string version) => Current.ResourceLists.GetValueOrDefault((group, version));

    /// <summary>The aggregated list for /api (core) or /apis, in v2 or v2beta1.</summary>
    public byte[] AggregatedJson(DiscoveryFormat format, bool core)
    {
        if (format == DiscoveryFormat.Legacy)
        {
            throw new ArgumentOutOfRangeException(nameof(format), "Legacy discovery is not an aggregated document.");
        }

        return (core ? Current.AggregatedApi : Current.AggregatedApis)[format].Body;
    }

    /// <summary>The ETag of an aggregated list (quoted upper-case hex SHA-512 of its bytes): it changes whenever the catalog does.</summary>
    public string AggregatedETag(DiscoveryFormat format, bool core) =>
        (core ? Current.AggregatedApi : Current.AggregatedApis)[format].ETag;

    /// <summary>GET /api, negotiated on the Accept header.</summary>
    public DiscoveryResponse ForApi(string? accept, string serverAddress)
    {
        var format = DiscoveryNegotiation.Choose(accept);
        return format == DiscoveryFormat.Legacy
            ? new DiscoveryResponse(DiscoveryNegotiation.LegacyContentType, ApiVersionsJson(serverAddress))
            : Aggregated(format, Current.AggregatedApi[format]);
    }

    /// <summary>GET /apis, negotiated on the Accept header.</summary>
    public DiscoveryResponse ForApis(string? accept)
    {
        var format = DiscoveryNegotiation.Choose(accept);
        return format == DiscoveryFormat.Legacy
            ? new DiscoveryResponse(DiscoveryNegotiation.LegacyContentType, GroupListJson)
            : Aggregated(format, Current.AggregatedApis[format]);
    }

    /// <summary>Upstream's storageVersionHash: base64 of the first 8 bytes of SHA-256("group/version/kind").</summary>
    public static string StorageVersionHash(string group, string version, string kind) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"{group}/{version}/{kind}")).AsSpan(0, 8));

    private static DiscoveryResponse Aggregated(DiscoveryFormat format, Document document) =>
        new(DiscoveryNegotiation.ContentTypeOf(format), document.Body, document.ETag);

    /// <summary>The documents of one catalog revision; rebuilt on the first read after a change.</summary>
    private Built Current
    {
        get
        {
            var built = Volatile.Read(ref _built);
            if (built.Revision == _catalog.Revision)
            {
                return built;
            }

            // Two readers may both rebuild after a change: the documents are equal, either wins.
            var fresh = new Built(_catalog);
            Volatile.Write(ref _built, fresh);
            return fresh;
        }
    }

    private static IEnumerable<ApiResource> ResourcesOf(ResourceCatalog catalog, string group, string version) =>
        catalog.All.Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal);

    private static IEnumerable<JsonObject> ApiGroups(ResourceCatalog catalog)
    {
        foreach (var group in catalog.GroupVersions.Select(gv => gv.Group).Where(g => g.Length > 0).Distinct())
        {
            var versions = catalog.GroupVersions.Where(gv => gv.Group == group)
                .Select(gv => (JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{gv.Version}", ["version"] = gv.Version })
                .ToArray();
            yield return new JsonObject
            {
                ["name"] = group,
                ["versions"] = new JsonArray(versions),
                ["preferredVersion"] = versions[0].DeepClone(),
            };
        }
    }

    private static JsonObject ResourceList(ResourceCatalog catalog, string group, string version)
    {
        var entries = new List<JsonObject>();
        foreach (var r in ResourcesOf(catalog, group, version))
        {
            var entry = new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = Strings(r.Definition.Verbs),
            };
            if (r.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(r.ShortNames);
            }

            if (r.Categories.Count > 0)
            {
                entry["categories"] = Strings(r.Categories);
            }

            // Upstream gives a hash only for what is stored (no hash for reviews, bindings, componentstatuses).
            if (r.Definition.IsStored)
            {
                entry["storageVersionHash"] = StorageVersionHash(r.Group, r.Version, r.Kind);
            }

            entries.Add(entry);

            foreach (var sub in r.Subresources.Order(StringComparer.Ordinal))
            {
                var known = SubresourceKind.For(sub);
                var (subGroup, subVersion, subKind, _) = known.ResolveFor(r);
                var subEntry = new JsonObject
                {
                    ["name"] = $"{r.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = r.Namespaced,
                };
                if (subGroup != r.Group || subVersion != r.Version)
                {
                    subEntry["group"] = subGroup;
                    subEntry["version"] = subVersion;
                }

                subEntry["kind"] = subKind;
                subEntry["verbs"] = Strings(known.Verbs);
                entries.Add(subEntry);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = new JsonArray(entries.OrderBy(e => e["name"]!.GetValue<string>(), StringComparer.Ordinal).ToArray<JsonNode?>()),
        };
    }

    private static JsonObject Aggregated(ResourceCatalog catalog, DiscoveryFormat format, bool core)
    {
        var apiVersion = format == DiscoveryFormat.AggregatedV2 ? "apidiscovery.k8s.io/v2" : "apidiscovery.k8s.io/v2beta1";
        var items = new JsonArray();
        foreach (var group in catalog.GroupVersions.Select(gv => gv.Group).Distinct().Where(g => (g.Length == 0) == core))
        {
            var versions = new JsonArray();
            foreach (var (_, version) in catalog.GroupVersions.Where(gv => gv.Group == group))
            {
                versions.Add(new JsonObject
                {
                    ["version"] = version,
                    ["resources"] = new JsonArray(ResourcesOf(catalog, group, version).Select(r => (JsonNode)AggregatedResource(r)).ToArray()),
                    ["freshness"] = "Current",
                });
            }

            var metadata = new JsonObject { ["creationTimestamp"] = null };
            if (group.Length > 0)
            {
                metadata["name"] = group;
            }

            items.Add(new JsonObject { ["metadata"] = metadata, ["versions"] = versions });
        }

        return new JsonObject
        {
            ["kind"] = DiscoveryNegotiation.Kind,
            ["apiVersion"] = apiVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject AggregatedResource(ApiResource r)
    {
        var entry = new JsonObject
        {
            ["resource"] = r.Plural,
            ["responseKind"] = Gvk(r.Group, r.Version, r.Kind),
            ["scope"] = r.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = r.Singular,
            ["verbs"] = Strings(r.Definition.Verbs),
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
            entry["subresources"] = new JsonArray(r.Subresources.Order(StringComparer.Ordinal).Select(sub =>
            {
                var known = SubresourceKind.For(sub);
                var (group, version, kind, _) = known.ResolveFor(r);
                return (JsonNode)new JsonObject
                {
                    ["subresource"] = sub,
                    ["responseKind"] = Gvk(group, version, kind),
                    ["verbs"] = Strings(known.Verbs),
                };
            }).ToArray());
        }

        return entry;
    }

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    private static byte[] Serialize(JsonObject o) => JsonSerializer.SerializeToUtf8Bytes(o, GoJsonEncoder.SerializerOptions);

    private sealed record Document(byte[] Body, string ETag)
    {
        public static Document Of(JsonObject o)
        {
            var body = Serialize(o);
            return new Document(body, $"\"{Convert.ToHexString(SHA512.HashData(body))}\"");
        }
    }

    private sealed class Built
    {
        public Built(ResourceCatalog catalog)
        {
            // Read first: a change while building makes the next read rebuild again.
            Revision = catalog.Revision;
            foreach (var (group, version) in catalog.GroupVersions)
            {
                ResourceLists[(group, version)] = Serialize(ResourceList(catalog, group, version));
            }

            var groups = ApiGroups(catalog).ToList();
            foreach (var g in groups)
            {
                var apiGroup = (JsonObject)g.DeepClone();
                apiGroup["kind"] = "APIGroup";
                apiGroup["apiVersion"] = "v1";
                Groups[g["name"]!.GetValue<string>()] = Serialize(apiGroup);
            }

            GroupListJson = Serialize(new JsonObject
            {
                ["kind"] = "APIGroupList",
                ["apiVersion"] = "v1",
                ["groups"] = new JsonArray(groups.ToArray<JsonNode?>()),
            });

            foreach (var format in new[] { DiscoveryFormat.AggregatedV2, DiscoveryFormat.AggregatedV2Beta1 })
            {
                AggregatedApi[format] = Document.Of(Aggregated(catalog, format, core: true));
                AggregatedApis[format] = Document.Of(Aggregated(catalog, format, core: false));
            }
        }

        public long Revision { get; }

        public Dictionary<(string Group, string Version), byte[]> ResourceLists { get; } = new();

        public Dictionary<string, byte[]> Groups { get; } = new(StringComparer.Ordinal);

        public Dictionary<DiscoveryFormat, Document> AggregatedApi { get; } = new();

        public Dictionary<DiscoveryFormat, Document> AggregatedApis { get; } = new();

        public byte[] GroupListJson { get; }
    }
}
