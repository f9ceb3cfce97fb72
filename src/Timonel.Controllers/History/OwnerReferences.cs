using k8s;
using k8s.Models;

namespace Timonel.Controllers.History;

/// <summary>The ownerReferences workload controllers put on what they create.</summary>
public static class OwnerReferences
{
    /// <summary>A controller reference to an apps/v1 <paramref name="kind"/> that blocks the owner's foreground deletion.</summary>
    public static V1OwnerReference ControllerOf(IKubernetesObject<V1ObjectMeta> owner, string kind) => new()
    {
        ApiVersion = "apps/v1",
        Kind = kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>A plain (non-controller) owner reference, as StatefulSets put on claims they take down with them.</summary>
    public static V1OwnerReference OwnedBy(IKubernetesObject<V1ObjectMeta> owner, string kind) => ControllerOf(owner, kind) with { Controller = null };

    /// <summary>Whether the object's controller reference names this owner's uid.</summary>
    public static bool IsControlledBy(V1ObjectMeta meta, string uid) =>
        meta.OwnerReferences?.Any(o => o.Controller == true && o.Uid == uid) == true;
}
