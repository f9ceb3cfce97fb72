using k8s;

namespace Timonel.Client.Controllers;

/// <summary>
/// Objects from an informer's cache are shared by every reader: a controller copies one before it
/// changes it (upstream's DeepCopy), never writing into the cache.
/// </summary>
public static class ObjectCopy
{
    /// <summary>A deep copy through the wire form, so every field the model knows is copied and nothing is shared.</summary>
    public static T DeepCopy<T>(T obj) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));
}
