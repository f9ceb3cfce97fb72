using System.Reflection;
using k8s;
using k8s.Models;
using Timonel.Client.Informers;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.Dynamic;

/// <summary>What changed in one resource of the catalog: old is null on add, current is the removed object on delete.</summary>
public delegate void CatalogChange(ApiResource resource, IKubernetesObject<V1ObjectMeta>? old, IKubernetesObject<V1ObjectMeta>? current);

/// <summary>
/// Watches resources of the catalog through the shared informers of their model types (the same
/// informers the typed controllers use, so each collection is watched once), reporting changes
/// through one untyped callback.
/// </summary>
public static class CatalogInformers
{
    private static readonly MethodInfo SubscribeMethod = typeof(CatalogInformers).GetMethod(nameof(Subscribe), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Subscribes <paramref name="onChange"/> to each resource; returns the informers (to wait for their sync) by resource.</summary>
    public static IReadOnlyDictionary<ApiResource, ISharedInformer> Watch(SharedInformerFactory informers, IEnumerable<ApiResource> resources, CatalogChange onChange)
    {
        ArgumentNullException.ThrowIfNull(informers);
        ArgumentNullException.ThrowIfNull(resources);
        var watched = new Dictionary<ApiResource, ISharedInformer>();
        foreach (var resource in resources)
        {
            var method = SubscribeMethod.MakeGenericMethod(resource.ModelType);
            watched[resource] = (ISharedInformer)method.Invoke(null, [informers, resource, onChange])!;
        }

        return watched;
    }

    private static SharedInformer<T> Subscribe<T>(SharedInformerFactory informers, ApiResource resource, CatalogChange onChange)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var kind = new ResourceKind<T>(resource.Group, resource.Version, resource.Kind, resource.Plural);
        var informer = informers.Get(kind);
        informer.AddEventHandler(
            onAdd: o => onChange(resource, null, o),
            onUpdate: (o, n) => onChange(resource, o, n),
            onDelete: o => onChange(resource, o, null));
        return informer;
    }
}
