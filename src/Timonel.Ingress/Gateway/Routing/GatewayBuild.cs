using k8s.Models;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Tls;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>What the Gateway API build reads: the cluster's objects (the informers' caches, or a test's lists).</summary>
public sealed record GatewayInputs(
    IReadOnlyList<V1GatewayClass> Classes,
    IReadOnlyList<V1Gateway> Gateways,
    IReadOnlyList<V1HttpRoute> Routes,
    IReadOnlyList<V1Beta1ReferenceGrant> Grants,
    Func<string, V1Namespace?> GetNamespace,
    Func<string, string, V1Secret?> GetSecret);

/// <summary>The ports the proxy listens on: a listener is served when its protocol and port are one of these.</summary>
public sealed record GatewayPorts(int Http, int Https);

/// <summary>The status one listener should have.</summary>
public sealed record ListenerResult(string Name, int AttachedRoutes, IReadOnlyList<GatewayCondition> Conditions, bool SupportsHttpRoute);

/// <summary>The status one Gateway should have.</summary>
public sealed record GatewayResult(V1Gateway Gateway, IReadOnlyList<GatewayCondition> Conditions, IReadOnlyList<ListenerResult> Listeners, IReadOnlyList<string> Addresses);

/// <summary>The status one route should have for each of its parents this controller serves.</summary>
public sealed record RouteResult(V1HttpRoute Route, IReadOnlyList<(V1ParentRef Parent, IReadOnlyList<GatewayCondition> Conditions)> Parents);

/// <summary>What one build produced: the table, the listeners' certificates, and the statuses to publish.</summary>
public sealed record GatewayBuild(
    GatewayRouteTable Table,
    IReadOnlyList<TlsCertificateRequest> Certificates,
    IReadOnlyList<V1GatewayClass> AcceptedClasses,
    IReadOnlyList<GatewayResult> Gateways,
    IReadOnlyList<RouteResult> Routes)
{
    public static GatewayBuild Empty { get; } = new(GatewayRouteTable.Empty, [], [], [], []);
}
