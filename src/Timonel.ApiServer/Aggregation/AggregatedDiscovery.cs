using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Aggregation;

/// <summary>
/// What discovery says about aggregated group/versions, as upstream's aggregator merges it:
/// every APIService with a service is listed in /apis (APIGroupList) and /apis/GROUP, and the
/// available ones, with the resources their backend reported, in the aggregated document.
/// Replaced as a whole by the availability controller after each pass; readers see one pass.
/// </summary>
internal sealed class AggregatedDiscovery
{
    private Snapshot _current = new([], new Dictionary<string, JsonObject>());

    /// <summary>The remote APIServices and, for those that passed their check, the backend's APIResourceList.</summary>
    public sealed record Snapshot(IReadOnlyList<ApiServiceRoute> Remote, IReadOnlyDictionary<string, JsonObject> ResourceLists)
    {
        public bool IsEmpty => Remote.Count == 0;
    }

    public Snapshot Current => Volatile.Read(ref _current);

    public void Publish(Snapshot snapshot) => Volatile.Write(ref _current, snapshot);

    /// <summary>Adds the aggregated groups to /apis as APIGroupList (every remote APIService, available or not, as upstream).</summary>
    public static void MergeGroupList(JsonObject groupList, Snapshot snapshot)
    {
        var groups = groupList["groups"] as JsonArray ?? [];
        groupList["groups"] = groups;
        foreach (var byGroup in snapshot.Remote.Where(r => r.Group.Length > 0).GroupBy(r => r.Group))
        {
            var existing = groups.OfType<JsonObject>().FirstOrDefault(g => g.Str("name") == byGroup.Key);
            if (existing is null)
            {
                groups.Add(ApiGroup(byGroup.Key, [], byGroup));
            }
            else
            {
                var merged = ApiGroup(byGroup.Key, existing.Arr("versions").Objects().Select(v => v.Item.Str("version") ?? ""), byGroup);
                existing["versions"] = merged["versions"]!.DeepClone();
            }
        }
    }

    /// <summary>/apis/GROUP as APIGroup for a group with remote versions (merged with <paramref name="local"/> when the group is also served here).</summary>
    public static JsonObject? GroupDocument(string group, JsonObject? local, Snapshot snapshot)
    {
        var remote = snapshot.Remote.Where(r => r.Group == group).ToList();
        if (remote.Count == 0)
        {
            return null;
        }

        var document = ApiGroup(group, local.Arr("versions").Objects().Select(v => v.Item.Str("version") ?? ""), remote);
        document["kind"] = "APIGroup";
        document["apiVersion"] = "v1";
        return document;
    }

    /// <summary>Adds the available remote group/versions to an aggregated APIGroupDiscoveryList (for /apis).</summary>
    public static void MergeAggregated(JsonObject list, Snapshot snapshot)
    {
        var items = list["items"] as JsonArray ?? [];
        list["items"] = items;
        foreach (var byGroup in snapshot.Remote.Where(r => r.Group.Length > 0 && snapshot.ResourceLists.ContainsKey(r.Name)).GroupBy(r => r.Group))
        {
            var item = items.OfType<JsonObject>().FirstOrDefault(i => i.Obj("metadata").Str("name") == byGroup.Key);
            if (item is null)
            {
                item = new JsonObject { ["metadata"] = new JsonObject { ["name"] = byGroup.Key, ["creationTimestamp"] = null }, ["versions"] = new JsonArray() };
                items.Add(item);
            }

            var versions = item["versions"] as JsonArray ?? [];
            foreach (var route in Ordered(byGroup).Reverse())
            {
                // A remote APIService takes its group/version over from the local one, as upstream's proxy does.
                var same = versions.OfType<JsonObject>().FirstOrDefault(v => v.Str("version") == route.Version);
                if (same is not null)
                {
                    versions.Remove(same);
                }

                versions.Insert(0, new JsonObject
                {
                    ["version"] = route.Version,
                    ["resources"] = AggregatedResources(route, snapshot.ResourceLists[route.Name]),
                    ["freshness"] = "Current",
                });
            }

            item["versions"] = versions;
        }
    }

    /// <summary>A legacy APIResourceList as aggregated discovery's resources (subresources "x/y" folded into x).</summary>
    private static JsonArray AggregatedResources(ApiServiceRoute route, JsonObject resourceList)
    {
        var entries = resourceList.Arr("resources").Objects().Select(e => e.Item).ToList();
        var result = new JsonArray();
        foreach (var entry in entries.Where(e => e.Str("name") is { } n && !n.Contains('/')))
        {
            var name = entry.Str("name")!;
            var resource = new JsonObject
            {
                ["resource"] = name,
                ["responseKind"] = Gvk(entry, route),
                ["scope"] = entry.Bool("namespaced") == true ? "Namespaced" : "Cluster",
                ["singularResource"] = entry.Str("singularName") is { Length: > 0 } singular ? singular : (entry.Str("kind") ?? "").ToLowerInvariant(),
                ["verbs"] = entry["verbs"]?.DeepClone() ?? new JsonArray(),
            };
            foreach (var key in new[] { "shortNames", "categories" })
            {
                if (entry[key] is JsonArray values)
                {
                    resource[key] = values.DeepClone();
                }
            }

            var subresources = entries.Where(e => e.Str("name") is { } n && n.StartsWith(name + "/", StringComparison.Ordinal))
                .Select(e => (JsonNode)new JsonObject
                {
                    ["subresource"] = e.Str("name")![(name.Length + 1)..],
                    ["responseKind"] = Gvk(e, route),
                    ["verbs"] = e["verbs"]?.DeepClone() ?? new JsonArray(),
                })
                .ToArray();
            if (subresources.Length > 0)
            {
                resource["subresources"] = new JsonArray(subresources);
            }

            result.Add(resource);
        }

        return result;
    }

    private static JsonObject Gvk(JsonObject entry, ApiServiceRoute route) => new()
    {
        ["group"] = entry.Str("group") ?? route.Group,
        ["version"] = entry.Str("version") ?? route.Version,
        ["kind"] = entry.Str("kind") ?? "",
    };

    private static JsonObject ApiGroup(string group, IEnumerable<string> localVersions, IEnumerable<ApiServiceRoute> remote)
    {
        var remoteVersions = Ordered(remote).Select(r => r.Version).ToList();
        var versions = remoteVersions.Concat(localVersions.Where(v => !remoteVersions.Contains(v)))
            .Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v })
            .ToArray();
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions),
            ["preferredVersion"] = versions[0]!.DeepClone(),
        };
    }

    // Upstream sorts a group's versions by versionPriority, highest first.
    private static IEnumerable<ApiServiceRoute> Ordered(IEnumerable<ApiServiceRoute> routes) =>
        routes.OrderByDescending(r => r.VersionPriority).ThenBy(r => r.Version, StringComparer.Ordinal);
}
