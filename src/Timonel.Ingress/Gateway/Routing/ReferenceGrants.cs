using Timonel.Ingress.Gateway.Model;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>
/// Whether a ReferenceGrant in the target's namespace lets an object of (group, kind) in another
/// namespace refer to it: a "from" entry naming that group, kind and namespace, and a "to" entry
/// naming the target's group and kind and either its name or no name.
/// </summary>
public sealed class ReferenceGrants(IReadOnlyList<V1Beta1ReferenceGrant> grants)
{
    public bool Permits(string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toNamespace, string toName)
    {
        if (fromNamespace == toNamespace)
        {
            return true;
        }

        return grants.Any(g => g.Metadata.NamespaceProperty == toNamespace
            && (g.Spec.From ?? []).Any(f => f.Group == fromGroup && f.Kind == fromKind && f.Namespace == fromNamespace)
            && (g.Spec.To ?? []).Any(t => t.Group == toGroup && t.Kind == toKind && (string.IsNullOrEmpty(t.Name) || t.Name == toName)));
    }
}
