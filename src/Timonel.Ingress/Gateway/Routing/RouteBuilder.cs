using k8s.Models;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>
/// Attaches one HTTPRoute to the listeners of this controller's Gateways it names, adds its rules
/// to the table and computes its status per parent: Accepted (NoMatchingParent,
/// NotAllowedByListeners, NoMatchingListenerHostname, UnsupportedValue) and ResolvedRefs
/// (BackendNotFound, RefNotPermitted, InvalidKind), as upstream names them.
/// </summary>
internal static class RouteBuilder
{
    private const string Group = GatewayApiObject<V1GatewaySpec>.Group;

    private sealed record CompiledRule(int Index, IReadOnlyList<RequestMatch> Matches, RouteFilters Filters, WeightedBackends Backends);

    /// <summary>The route's status for the parents this controller serves; null when it names none of them.</summary>
    public static RouteResult? Build(
        V1HttpRoute route, IReadOnlyDictionary<string, List<ListenerState>> gateways, GatewayInputs inputs, ReferenceGrants grants, BackendResolver resolver, List<(bool, string, GatewayRule)> table)
    {
        var ns = route.Metadata.NamespaceProperty;
        var ours = (route.Spec.ParentRefs ?? [])
            .Where(p => (p.Group ?? Group) == Group && (p.Kind ?? "Gateway") == "Gateway" && gateways.ContainsKey($"{p.Namespace ?? ns}/{p.Name}"))
            .ToList();
        if (ours.Count == 0)
        {
            return null;
        }

        var refProblems = new List<(string Reason, string Message)>();
        List<CompiledRule>? compiled = null;
        string? unsupported = null;
        try
        {
            compiled = [.. (route.Spec.Rules ?? []).Select((rule, i) => Compile(rule, i, ns, grants, resolver, refProblems))];
        }
        catch (ArgumentException e)
        {
            unsupported = e.Message;
        }

        var resolved = refProblems.Count == 0
            ? new GatewayCondition("ResolvedRefs", "True", "ResolvedRefs", "all references resolved")
            : new GatewayCondition("ResolvedRefs", "False", refProblems[0].Reason, string.Join("; ", refProblems.Select(p => p.Message).Distinct(StringComparer.Ordinal)));
        var parents = new List<(V1ParentRef, IReadOnlyList<GatewayCondition>)>();
        foreach (var parent in ours)
        {
            var accepted = unsupported is not null
                ? new GatewayCondition("Accepted", "False", "UnsupportedValue", unsupported)
                : Attach(route, parent, gateways[$"{parent.Namespace ?? ns}/{parent.Name}"], inputs, compiled!, table);
            parents.Add((parent, [accepted, resolved]));
        }

        return new RouteResult(route, parents);
    }

    private static GatewayCondition Attach(V1HttpRoute route, V1ParentRef parent, List<ListenerState> listeners, GatewayInputs inputs, List<CompiledRule> rules, List<(bool, string, GatewayRule)> table)
    {
        var candidates = listeners.Where(l => (parent.SectionName is null || l.Listener.Name == parent.SectionName) && (parent.Port is null || l.Listener.Port == parent.Port)).ToList();
        if (candidates.Count == 0)
        {
            return new GatewayCondition("Accepted", "False", "NoMatchingParent", $"the Gateway has no listener{(parent.SectionName is null ? "" : $" named {parent.SectionName}")}{(parent.Port is null ? "" : $" on port {parent.Port}")}");
        }

        var why = new List<(string Reason, string Message)>();
        var attached = false;
        foreach (var listener in candidates)
        {
            if (!listener.Programmed)
            {
                why.Add(("NotAllowedByListeners", $"listener {listener.Listener.Name} is not served"));
                continue;
            }

            if (!Allowed(listener, route, inputs))
            {
                why.Add(("NotAllowedByListeners", $"listener {listener.Listener.Name} does not allow routes from namespace {route.Metadata.NamespaceProperty}"));
                continue;
            }

            var hostnames = GatewayHostnames.Intersect(listener.Listener.Hostname, route.Spec.Hostnames);
            if (hostnames.Count == 0)
            {
                why.Add(("NoMatchingListenerHostname", $"no hostname of the route matches listener {listener.Listener.Name}'s {listener.Listener.Hostname}"));
                continue;
            }

            attached = true;
            listener.AttachedRoutes++;
            foreach (var rule in rules)
            {
                foreach (var (match, index) in rule.Matches.Select((m, i) => (m, i)))
                {
                    var served = new GatewayRule(route.Key, route.Metadata.CreationTimestamp ?? DateTime.MaxValue, rule.Index, index, match, rule.Filters, rule.Backends, listener.Listener.Port);
                    foreach (var host in hostnames)
                    {
                        table.Add((listener.Secure, host, served));
                    }
                }
            }
        }

        if (attached)
        {
            return new GatewayCondition("Accepted", "True", "Accepted", "the route is attached");
        }

        var first = why.FirstOrDefault(w => w.Reason == "NotAllowedByListeners") is { Reason: not null } n ? n : why[0];
        return new GatewayCondition("Accepted", "False", first.Reason, string.Join("; ", why.Select(w => w.Message)));
    }

    private static bool Allowed(ListenerState listener, V1HttpRoute route, GatewayInputs inputs)
    {
        var routeNs = route.Metadata.NamespaceProperty;
        var namespaces = listener.Listener.AllowedRoutes?.Namespaces;
        return (namespaces?.From ?? "Same") switch
        {
            "All" => true,
            "Selector" => GatewayBuilder.NamespaceSelected(namespaces!.Selector, inputs.GetNamespace(routeNs)),
            _ => routeNs == listener.Gateway.Metadata.NamespaceProperty,
        };
    }

    private static CompiledRule Compile(V1HttpRouteRule rule, int index, string ns, ReferenceGrants grants, BackendResolver resolver, List<(string, string)> problems)
    {
        IReadOnlyList<RequestMatch> matches = rule.Matches is { Count: > 0 } m ? [.. m.Select(RequestMatch.Compile)] : [RequestMatch.Compile(null)];
        var filters = RouteFilters.Compile(rule.Filters);
        var backends = new List<WeightedBackend>();
        foreach (var backendRef in rule.BackendRefs ?? [])
        {
            backends.Add(Resolve(backendRef, ns, grants, resolver, problems));
        }

        return new CompiledRule(index, matches, filters, new WeightedBackends(backends));
    }

    private static WeightedBackend Resolve(V1HttpBackendRef backendRef, string routeNs, ReferenceGrants grants, BackendResolver resolver, List<(string, string)> problems)
    {
        var ns = backendRef.Namespace ?? routeNs;
        var id = $"{ns}/{backendRef.Name}";
        var weight = backendRef.Weight ?? 1;
        WeightedBackend Invalid(string reason, string message)
        {
            problems.Add((reason, message));
            return new WeightedBackend(Backend.Misconfigured(id, message), weight, Invalid: true);
        }

        if (!string.IsNullOrEmpty(backendRef.Group) || (backendRef.Kind ?? "Service") != "Service")
        {
            return Invalid("InvalidKind", $"backendRef {backendRef.Group}/{backendRef.Kind} {backendRef.Name} is not supported (only core Services are)");
        }

        if (!grants.Permits(Group, "HTTPRoute", routeNs, "", "Service", ns, backendRef.Name))
        {
            return Invalid("RefNotPermitted", $"service {id} is in another namespace and no ReferenceGrant there allows it");
        }

        if (backendRef.Port is not { } port)
        {
            return Invalid("BackendNotFound", $"backendRef {id} names no port");
        }

        var backend = resolver.Resolve(ns, new V1IngressBackend { Service = new V1IngressServiceBackend { Name = backendRef.Name, Port = new V1ServiceBackendPort { Number = port } } });
        return backend.IsMisconfigured
            ? Invalid("BackendNotFound", backend.Problem ?? $"service {id} not found")
            : new WeightedBackend(backend, weight, Invalid: false);
    }
}
