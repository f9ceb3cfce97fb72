using k8s.Models;
using Timonel.Client.Informers;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Gateway.Routing;

namespace Timonel.Ingress.Gateway.Hosting;

/// <summary>
/// The Gateway API informers, started only once the user has installed the CRDs (watched through
/// the CustomResourceDefinition informer): without them the controller serves Ingresses alone, and
/// installing them later starts these without a restart. Called from the controller's one loop.
/// </summary>
internal sealed class GatewayApiInformers(SharedInformerFactory factory, Action changed)
{
    private SharedInformer<V1GatewayClass>? _classes;
    private SharedInformer<V1Gateway>? _gateways;
    private SharedInformer<V1HttpRoute>? _routes;
    private SharedInformer<V1Namespace>? _namespaces;
    private SharedInformer<V1Beta1ReferenceGrant>? _grants;

    /// <summary>True when the CRDs named in <see cref="GatewayKinds.RequiredCrds"/> are established.</summary>
    public static bool Installed(IReadOnlyCollection<V1CustomResourceDefinition> crds, string name) =>
        crds.Any(c => c.Metadata?.Name == name && c.Status?.Conditions?.Any(x => x.Type == "Established" && x.Status == "True") == true);

    /// <summary>Starts the informers whose CRDs are now installed; the inputs of a build once they have synced, else null (serve no Gateway API).</summary>
    public GatewayInputs? Refresh(IReadOnlyCollection<V1CustomResourceDefinition> crds, Func<string, string, V1Secret?> getSecret)
    {
        if (!GatewayKinds.RequiredCrds.All(n => Installed(crds, n)))
        {
            return null;
        }

        if (_classes is null)
        {
            _classes = Watch(GatewayKinds.GatewayClasses);
            _gateways = Watch(GatewayKinds.Gateways);
            _routes = Watch(GatewayKinds.HttpRoutes);
            // Namespace labels feed allowedRoutes selectors; heartbeats do not touch them, so every change matters.
            _namespaces = Watch(ResourceKinds.Namespaces);
        }

        if (_grants is null && Installed(crds, GatewayKinds.ReferenceGrantCrd))
        {
            _grants = Watch(GatewayKinds.ReferenceGrants);
        }

        if (!_classes.HasSynced || !_gateways!.HasSynced || !_routes!.HasSynced || !_namespaces!.HasSynced || _grants is { HasSynced: false })
        {
            return null;
        }

        var namespaces = _namespaces;
        return new GatewayInputs(_classes.Cache.List(), _gateways.Cache.List(), _routes.Cache.List(), _grants?.Cache.List() ?? [], ns => namespaces.Cache.Get(null, ns), getSecret);
    }

    private SharedInformer<T> Watch<T>(ResourceKind<T> kind)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var informer = factory.Get(kind);
        informer.AddEventHandler(_ => changed(), (_, _) => changed(), _ => changed());
        // Informers asked for after the factory started start at once; Start is idempotent.
        informer.Start();
        return informer;
    }
}
