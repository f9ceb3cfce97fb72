
using Timonel.Registry.Resources;

namespace Timonel.Controllers.ResourceQuota;

/// <summary>Which resources a quota's hard limits count (upstream's evaluators by resource name).</summary>
public static class QuotaResources
{
    public static IReadOnlyList<ApiResource> For(IEnumerable<string> hardNames, ResourceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(hardNames);
        ArgumentNullException.ThrowIfNull(catalog);
        var found = new List<ApiResource>();
        foreach (var name in hardNames)
        {
            var resource = Resolve(name, catalog);
            if (resource is not null && !found.Contains(resource))
            {
                found.Add(resource);
            }
        }

        return found;
    }

    private static ApiResource? Resolve(string name, ResourceCatalog catalog)
    {
        if (name.StartsWith("count/", StringComparison.Ordinal))
        {
            var groupResource = name["count/".Length..];
            var dot = groupResource.IndexOf('.', StringComparison.Ordinal);
            var (plural, group) = dot < 0 ? (groupResource, "") : (groupResource[..dot], groupResource[(dot + 1)..]);
            return catalog.All.FirstOrDefault(r => r.Namespaced && r.Plural == plural && r.Group == group);
        }

        var core = name switch
        {
            "pods" or "cpu" or "memory" or "ephemeral-storage" => "pods",
            "services" or "services.nodeports" or "services.loadbalancers" => "services",
            "persistentvolumeclaims" or "requests.storage" => "persistentvolumeclaims",
            "configmaps" or "secrets" or "replicationcontrollers" or "resourcequotas" => name,
            _ when name.StartsWith("requests.", StringComparison.Ordinal) || name.StartsWith("limits.", StringComparison.Ordinal) || name.StartsWith("hugepages-", StringComparison.Ordinal) => "pods",
            _ => null,
        };
        return core is null ? null : catalog.Find("", "v1", core);
    }
}
