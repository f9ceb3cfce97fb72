using k8s.Models;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.GarbageCollector;

/// <summary>One object of the owner graph: where it lives, its owners, and whether it is being deleted (and how).</summary>
public sealed record GraphNode(
    ApiResource Resource,
    string? Namespace,
    string Name,
    string Uid,
    IReadOnlyList<V1OwnerReference> Owners,
    bool Deleting,
    IReadOnlyList<string> Finalizers)
{
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";

    /// <summary>Deleting with propagationPolicy Orphan: dependents lose their reference, then the owner goes.</summary>
    public bool IsOrphaning => Deleting && Finalizers.Contains(OrphanFinalizer);

    /// <summary>Deleting with propagationPolicy Foreground: the owner waits for its blocking dependents.</summary>
    public bool IsDeletingDependents => Deleting && Finalizers.Contains(ForegroundFinalizer);

    /// <summary>The reference to <paramref name="ownerUid"/>, if this object has one.</summary>
    public V1OwnerReference? OwnerRef(string ownerUid) => Owners.FirstOrDefault(o => o.Uid == ownerUid);

    public static GraphNode Of(ApiResource resource, V1ObjectMeta meta) => new(
        resource,
        resource.Namespaced ? meta.NamespaceProperty : null,
        meta.Name,
        meta.Uid,
        meta.OwnerReferences?.Where(o => !string.IsNullOrEmpty(o.Uid)).ToList() ?? [],
        meta.DeletionTimestamp is not null,
        meta.Finalizers?.ToList() ?? []);

    /// <summary>True when the owner references differ in what the collector acts on (which owners, which block).</summary>
    public bool OwnersDifferFrom(GraphNode other) =>
        Owners.Count != other.Owners.Count
        || Owners.Zip(other.Owners).Any(p => p.First.Uid != p.Second.Uid || p.First.BlockOwnerDeletion != p.Second.BlockOwnerDeletion);
}
