using Timonel.ApiServer.Registry.Rbac;

namespace Timonel.ApiServer.Security.Node;

/// <summary>
/// The rules the node authorizer grants every node for what it does not subdivide by object
/// (upstream's bootstrappolicy.NodeRules, the same rules as the system:node ClusterRole):
/// events, CSRs, services, endpoints, token and access reviews, CSI drivers, runtime classes.
/// </summary>
internal sealed class NodeRules
{
    private readonly PolicyRule[] _rules = ComponentRoles.All().Single(r => r.Name == "system:node").Rules;

    /// <summary>Upstream's rbac.RulesAllow for a resource request: some rule covers its verb, group, resource and name.</summary>
    public bool Allow(RequestAttributes attributes)
    {
        if (!attributes.IsResourceRequest)
        {
            return _rules.Any(r => r.Urls.Length > 0 && (r.Verbs.Contains("*") || r.Verbs.Contains(attributes.Verb))
                && r.Urls.Any(u => u == attributes.Path || (u.EndsWith('*') && attributes.Path.StartsWith(u[..^1], StringComparison.Ordinal))));
        }

        var resource = attributes.Subresource.Length == 0 ? attributes.Resource : $"{attributes.Resource}/{attributes.Subresource}";
        return _rules.Any(r =>
            (r.Verbs.Contains("*") || r.Verbs.Contains(attributes.Verb))
            && (r.ApiGroups.Contains("*") || r.ApiGroups.Contains(attributes.ApiGroup))
            && (r.ResourceList.Contains("*") || r.ResourceList.Contains(resource)
                || (attributes.Subresource.Length > 0 && r.ResourceList.Contains($"*/{attributes.Subresource}")))
            && (r.ResourceNames.Length == 0 || r.ResourceNames.Contains(attributes.Name)));
    }
}
