using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Timonel.Registry.CustomResources;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.Dynamic;

/// <summary>One resource the server lists in discovery, with the verbs it supports there.</summary>
public sealed record DiscoveredResource(ApiResource Resource, IReadOnlyList<string> Verbs)
{
    /// <summary>True when discovery lists every one of <paramref name="verbs"/> for it.</summary>
    public bool Supports(params string[] verbs) => verbs.All(v => Verbs.Contains(v, StringComparer.Ordinal));
}

/// <summary>
/// What discovery returned: the resources, one version each (as client-go's
/// ServerPreferredResources), and the group/versions the server could not describe (an
/// aggregated API that is down: upstream's ErrGroupDiscoveryFailed, reported, not fatal).
/// </summary>
public sealed record DiscoveryResult(IReadOnlyList<DiscoveredResource> Resources, IReadOnlyList<string> Failures)
{
    /// <summary>The resource of <paramref name="group"/> with <paramref name="kind"/>, or null.</summary>
    public ApiResource? FindByKind(string group, string kind) =>
        Resources.FirstOrDefault(r => r.Resource.Group == group && r.Resource.Kind == kind)?.Resource;

    /// <summary>True when the versions of <paramref name="group"/> all answered (so a resource missing from it is really gone).</summary>
    public bool IsComplete(string group) => !Failures.Any(f => GroupOf(f) == group);

    private static string GroupOf(string groupVersion) =>
        groupVersion.Contains('/', StringComparison.Ordinal) ? groupVersion[..groupVersion.IndexOf('/', StringComparison.Ordinal)] : "";
}

/// <summary>
/// Asks the API server what it serves, through aggregated discovery (GET /api and /apis as
/// apidiscovery.k8s.io/v2 APIGroupDiscoveryList: two requests for everything), as upstream's
/// namespace controller and garbage collector do, so resources defined at run time (custom
/// resources) are found without a restart. Built-in resources resolve to the catalog's entries
/// (their typed models); anything else gets a definition with the untyped
/// <see cref="CustomResourceObject"/> model, reused while discovery describes it the same way.
/// </summary>
public sealed class ApiDiscovery
{
    public const string AggregatedV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private readonly DynamicClient _api;
    private readonly ResourceCatalog _builtIn;
    private readonly ConcurrentDictionary<(string Group, string Version, string Plural, string Kind, bool Namespaced), ApiResource> _dynamic = new();

    public ApiDiscovery(DynamicClient api, ResourceCatalog builtIn)
    {
        _api = api ?? throw new ArgumentNullException(nameof(api));
        _builtIn = builtIn ?? throw new ArgumentNullException(nameof(builtIn));
    }

    /// <summary>Every resource discovery lists (subresources left out), the first served version of each group's resource.</summary>
    /// <exception cref="DynamicApiException">The server did not answer /api or /apis.</exception>
    public async Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken)
    {
        var resources = new List<DiscoveredResource>();
        var failures = new List<string>();
        var seen = new HashSet<(string Group, string Plural)>();
        foreach (var path in (string[])["api", "apis"])
        {
            var list = await _api.GetDocumentAsync(path, AggregatedV2, cancellationToken).ConfigureAwait(false);
            foreach (var group in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var groupName = group["metadata"]?["name"]?.GetValue<string>() ?? "";
                foreach (var version in (group["versions"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var versionName = version["version"]?.GetValue<string>() ?? "";
                    if (version["freshness"]?.GetValue<string>() == "Stale")
                    {
                        // The server could not reach the API behind this group/version.
                        failures.Add(groupName.Length == 0 ? versionName : $"{groupName}/{versionName}");
                        continue;
                    }

                    foreach (var entry in (version["resources"] as JsonArray ?? []).OfType<JsonObject>())
                    {
                        if (Resolve(groupName, versionName, entry) is { } resource && seen.Add((resource.Resource.Group, resource.Resource.Plural)))
                        {
                            resources.Add(resource);
                        }
                    }
                }
            }
        }

        return new DiscoveryResult(resources, failures);
    }

    private DiscoveredResource? Resolve(string group, string version, JsonObject entry)
    {
        var plural = entry["resource"]?.GetValue<string>();
        var kind = entry["responseKind"]?["kind"]?.GetValue<string>();
        if (string.IsNullOrEmpty(plural) || string.IsNullOrEmpty(kind) || version.Length == 0)
        {
            return null;
        }

        var namespaced = entry["scope"]?.GetValue<string>() == "Namespaced";
        var verbs = (entry["verbs"] as JsonArray ?? []).Select(v => v?.GetValue<string>()).OfType<string>().ToList();
        var resource = _builtIn.Find(group, version, plural) is { } known && known.Kind == kind && known.Namespaced == namespaced
            ? known
            : _dynamic.GetOrAdd((group, version, plural, kind, namespaced), k =>
                new ResourceDefinition(k.Group, k.Version, k.Kind, k.Plural, k.Namespaced, typeof(CustomResourceObject)).Served[0]);
        return new DiscoveredResource(resource, verbs);
    }
}
