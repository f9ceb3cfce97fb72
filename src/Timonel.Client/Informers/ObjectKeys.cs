using k8s;
using k8s.Models;

namespace Timonel.Client.Informers;

/// <summary>Cache and work-queue keys as client-go writes them: "namespace/name", or "name" for cluster-scoped objects.</summary>
public static class ObjectKeys
{
    public static string KeyOf(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var meta = obj.Metadata ?? throw new ArgumentException("object has no metadata", nameof(obj));
        return KeyOf(meta.NamespaceProperty, meta.Name);
    }

    public static string KeyOf(string? @namespace, string name) =>
        string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";

    /// <summary>Splits a key into namespace (null for cluster-scoped) and name.</summary>
    /// <exception cref="ArgumentException">The key has more than one '/' or an empty part.</exception>
    public static (string? Namespace, string Name) Split(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return parts switch
        {
            [var name] when name.Length > 0 => (null, name),
            [var ns, var name] when ns.Length > 0 && name.Length > 0 => (ns, name),
            _ => throw new ArgumentException($"unexpected key format: \"{key}\"", nameof(key)),
        };
    }
}
