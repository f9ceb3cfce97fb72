using k8s;
using k8s.Models;

namespace Timonel.Controllers.VolumeProtection;

/// <summary>The protection finalizers on a claim or volume, read and changed on a copy.</summary>
internal static class ProtectionFinalizers
{
    public const string Pvc = "kubernetes.io/pvc-protection";
    public const string Pv = "kubernetes.io/pv-protection";

    public static bool Has(V1ObjectMeta metadata, string finalizer) => metadata.Finalizers?.Contains(finalizer) == true;

    /// <summary>Whether the controller has something to do: add the finalizer to a live object, or judge a deleting one that has it.</summary>
    public static bool NeedsSync(V1ObjectMeta metadata, string finalizer) =>
        metadata.DeletionTimestamp is null ? !Has(metadata, finalizer) : Has(metadata, finalizer);

    /// <summary>A copy of <paramref name="obj"/> with the finalizer added or removed.</summary>
    public static T With<T>(T obj, string finalizer, bool present)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var copy = Timonel.Client.Controllers.ObjectCopy.DeepCopy(obj);
        var finalizers = copy.Metadata.Finalizers?.Where(f => f != finalizer).ToList() ?? [];
        if (present)
        {
            finalizers.Add(finalizer);
        }

        copy.Metadata.Finalizers = finalizers;
        return copy;
    }
}
