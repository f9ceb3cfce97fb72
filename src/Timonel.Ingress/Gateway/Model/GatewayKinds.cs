using Timonel.Client.Informers;

namespace Timonel.Ingress.Gateway.Model;

/// <summary>The Gateway API collections the controller watches, and the names of their CRDs.</summary>
public static class GatewayKinds
{
    public static readonly ResourceKind<V1GatewayClass> GatewayClasses = new(V1Gateway.Group, "v1", "GatewayClass", "gatewayclasses");
    public static readonly ResourceKind<V1Gateway> Gateways = new(V1Gateway.Group, "v1", "Gateway", "gateways");
    public static readonly ResourceKind<V1HttpRoute> HttpRoutes = new(V1Gateway.Group, "v1", "HTTPRoute", "httproutes");
    public static readonly ResourceKind<V1Beta1ReferenceGrant> ReferenceGrants = new(V1Gateway.Group, "v1beta1", "ReferenceGrant", "referencegrants");

    /// <summary>The CRDs that must be established before Gateway API is served (ReferenceGrant is optional).</summary>
    public static readonly IReadOnlyList<string> RequiredCrds = ["gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io"];

    public const string ReferenceGrantCrd = "referencegrants.gateway.networking.k8s.io";
}
