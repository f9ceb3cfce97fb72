using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// Deleting a CRD: the customresourcecleanup finalizer holds it until the CRD controller has
/// deleted every object of it (upstream's CRD registry adds the finalizer on the first delete).
/// </summary>
public sealed class CustomResourceCleanupPolicy : DeletePolicy
{
    public const string Finalizer = "customresourcecleanup.apiextensions.k8s.io";

    public static CustomResourceCleanupPolicy Instance { get; } = new();

    public override bool BeginDelete(JsonObject obj)
    {
        if (ObjectMetaAccess.IsDeleting(obj))
        {
            return false;
        }

        var finalizers = ObjectMetaAccess.Finalizers(obj);
        if (finalizers.Contains(Finalizer))
        {
            return false;
        }

        finalizers.Add(Finalizer);
        ObjectMetaAccess.SetFinalizers(obj, finalizers);
        return true;
    }
}
