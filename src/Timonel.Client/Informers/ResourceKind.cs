using k8s;
using k8s.Models;

namespace Timonel.Client.Informers;

/// <summary>
/// Names one REST collection and the model its objects deserialize to, so an informer can list
/// and watch any resource through the same code. Well-known instances live in <see cref="ResourceKinds"/>.
/// </summary>
public sealed record ResourceKind<T>(string Group, string Version, string Kind, string Plural)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>"v1" for the core group, else "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>
    /// The collection path relative to the server root, narrowed to one namespace when one is given
    /// (callers give one only for namespaced resources: a cluster-scoped collection has no such path).
    /// </summary>
    public string CollectionPath(string? @namespace)
    {
        var root = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        return !string.IsNullOrEmpty(@namespace)
            ? $"{root}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}"
            : $"{root}/{Plural}";
    }

    /// <summary>"plural.group" as upstream prints a group resource ("pods" for the core group).</summary>
    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
