using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Routing;
using Timonel.Ingress.Tls;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>
/// Builds the Gateway API side of the proxy from the cluster's objects: a pure function of the
/// inputs, like <see cref="RouteTableBuilder"/>. It decides which GatewayClasses and Gateways are
/// this controller's, which listeners serve, which HTTPRoutes attach where, resolves their
/// backends, and computes every status to publish. Bad objects only get conditions that say why.
/// </summary>
public static class GatewayBuilder
{
    /// <summary>spec.controllerName of the GatewayClasses this controller serves.</summary>
    public const string ControllerName = "timonel.dev/gateway-controller";

    private const string Group = GatewayApiObject<V1GatewaySpec>.Group;

    public static GatewayBuild Build(GatewayInputs inputs, IClusterView cluster, GatewayPorts ports, IReadOnlyList<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(addresses);
        var classes = inputs.Classes.Where(c => c.Spec.ControllerName == ControllerName).ToList();
        var classNames = classes.Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var gateways = inputs.Gateways.Where(g => g.Spec.GatewayClassName is { } n && classNames.Contains(n)).ToList();
        var grants = new ReferenceGrants(inputs.Grants);
        var certificates = new List<TlsCertificateRequest>();
        var listeners = gateways.ToDictionary(g => g.Key, g => ListenerEvaluator.Evaluate(g, ports, inputs, grants, certificates), StringComparer.Ordinal);
        var resolver = new BackendResolver(cluster);
        var rules = new List<(bool, string, GatewayRule)>();
        var routeResults = new List<RouteResult>();
        foreach (var route in inputs.Routes.OrderBy(r => r.Metadata.CreationTimestamp ?? DateTime.MaxValue).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            if (RouteBuilder.Build(route, listeners, inputs, grants, resolver, rules) is { } result)
            {
                routeResults.Add(result);
            }
        }

        var gatewayResults = gateways.Select(g => GatewayStatus(g, listeners[g.Key], addresses)).ToList();
        return new GatewayBuild(GatewayRouteTable.Create(rules), certificates, classes, gatewayResults, routeResults);
    }

    /// <summary>True when <paramref name="selector"/> takes namespace <paramref name="ns"/> (its labels); a selector that does not parse takes none.</summary>
    internal static bool NamespaceSelected(V1LabelSelector? selector, V1Namespace? ns)
    {
        if (ns is null)
        {
            return false;
        }

        try
        {
            var labels = ns.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : [];
            labels.TryAdd("kubernetes.io/metadata.name", ns.Metadata?.Name ?? "");
            return LabelSelector.From(selector).Matches(labels);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static GatewayResult GatewayStatus(V1Gateway gateway, List<ListenerState> listeners, IReadOnlyList<string> addresses)
    {
        var invalid = listeners.Where(l => !l.Programmed).Select(l => l.Listener.Name).ToList();
        var conditions = new List<GatewayCondition>
        {
            invalid.Count == 0
                ? new GatewayCondition("Accepted", "True", "Accepted", "the Gateway is served by the ingress controller of every node")
                : new GatewayCondition("Accepted", "True", "ListenersNotValid", $"listeners not served: {string.Join(", ", invalid)}"),
        };
        if (addresses.Count == 0)
        {
            conditions.Add(new GatewayCondition("Programmed", "False", "AddressNotAssigned", "no node has an address yet"));
        }
        else if (listeners.Any(l => l.Programmed))
        {
            conditions.Add(new GatewayCondition("Programmed", "True", "Programmed", "served on the nodes' addresses"));
        }
        else
        {
            conditions.Add(new GatewayCondition("Programmed", "False", "Invalid", "no listener can be served: see the listeners' conditions"));
        }

        var results = listeners.Select(l => new ListenerResult(l.Listener.Name, l.AttachedRoutes, l.Conditions, l.SupportsHttpRoute)).ToList();
        return new GatewayResult(gateway, conditions, results, addresses);
    }
}
