using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Tls;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>What one listener of one Gateway is: whether it serves, on which port kind, and its conditions (before routes attach).</summary>
internal sealed class ListenerState(V1Gateway gateway, V1Listener listener)
{
    public V1Gateway Gateway { get; } = gateway;

    public V1Listener Listener { get; } = listener;

    public bool Secure => Listener.Protocol == "HTTPS";

    /// <summary>Accepted, refs resolved and not conflicted: routes attach and requests are served.</summary>
    public bool Programmed { get; set; }

    public bool SupportsHttpRoute { get; set; } = true;

    public int AttachedRoutes { get; set; }

    public List<GatewayCondition> Conditions { get; } = [];
}

/// <summary>
/// Computes each listener's conditions as upstream names them: Accepted (UnsupportedProtocol,
/// PortUnavailable), ResolvedRefs (InvalidCertificateRef, RefNotPermitted, InvalidRouteKinds),
/// Conflicted (HostnameConflict), Programmed; and the certificates HTTPS listeners serve.
/// </summary>
internal static class ListenerEvaluator
{
    public static List<ListenerState> Evaluate(V1Gateway gateway, GatewayPorts ports, GatewayInputs inputs, ReferenceGrants grants, List<TlsCertificateRequest> certificates)
    {
        var states = new List<ListenerState>();
        var listeners = gateway.Spec.Listeners ?? [];
        foreach (var listener in listeners)
        {
            var state = new ListenerState(gateway, listener);
            states.Add(state);
            var accepted = Accepted(listener, ports, out var acceptedReason, out var acceptedMessage);
            state.Conditions.Add(new GatewayCondition("Accepted", accepted ? "True" : "False", acceptedReason, acceptedMessage));

            var refProblems = new List<(string Reason, string Message)>();
            var kinds = listener.AllowedRoutes?.Kinds ?? [];
            var bad = kinds.Where(k => k.Kind != "HTTPRoute" || (k.Group ?? GatewayApiObject<V1GatewaySpec>.Group) != GatewayApiObject<V1GatewaySpec>.Group).ToList();
            if (bad.Count > 0)
            {
                refProblems.Add(("InvalidRouteKinds", $"route kinds {string.Join(", ", bad.Select(k => k.Kind))} are not supported (HTTPRoute is)"));
                state.SupportsHttpRoute = kinds.Count > bad.Count;
            }

            if (accepted && state.Secure)
            {
                CheckCertificates(gateway, listener, inputs, grants, refProblems, certificates);
            }

            state.Conditions.Add(refProblems.Count == 0
                ? new GatewayCondition("ResolvedRefs", "True", "ResolvedRefs", "all references resolved")
                : new GatewayCondition("ResolvedRefs", "False", refProblems[0].Reason, string.Join("; ", refProblems.Select(p => p.Message))));

            var conflicted = listeners.Any(o => !ReferenceEquals(o, listener) && o.Port == listener.Port && o.Protocol == listener.Protocol
                && GatewayHostnames.Normalize(o.Hostname) == GatewayHostnames.Normalize(listener.Hostname));
            state.Conditions.Add(conflicted
                ? new GatewayCondition("Conflicted", "True", "HostnameConflict", $"another listener of the Gateway has port {listener.Port}, protocol {listener.Protocol} and hostname \"{listener.Hostname}\"")
                : new GatewayCondition("Conflicted", "False", "NoConflicts", "no conflicts"));

            state.Programmed = accepted && refProblems.Count(p => p.Reason != "InvalidRouteKinds") == 0 && !conflicted && state.SupportsHttpRoute;
            state.Conditions.Add(state.Programmed
                ? new GatewayCondition("Programmed", "True", "Programmed", $"served on the node's {(state.Secure ? "HTTPS" : "HTTP")} port")
                : new GatewayCondition("Programmed", "False", "Invalid", "the listener is not served: see its other conditions"));
        }

        return states;
    }

    private static bool Accepted(V1Listener listener, GatewayPorts ports, out string reason, out string message)
    {
        var port = listener.Protocol switch
        {
            "HTTP" => ports.Http,
            "HTTPS" => ports.Https,
            _ => (int?)null,
        };
        if (port is null)
        {
            (reason, message) = ("UnsupportedProtocol", $"protocol {listener.Protocol} is not supported (HTTP and HTTPS are)");
            return false;
        }

        if (listener.Port != port)
        {
            (reason, message) = ("PortUnavailable", $"port {listener.Port} is not served: the ingress controller listens for {listener.Protocol} on port {port} only (--ingress-http-port / --ingress-https-port)");
            return false;
        }

        if (listener.Protocol == "HTTPS" && listener.Tls?.Mode is { } mode && mode != "Terminate")
        {
            (reason, message) = ("UnsupportedValue", $"tls mode {mode} is not supported (Terminate is)");
            return false;
        }

        (reason, message) = ("Accepted", "listener accepted");
        return true;
    }

    private static void CheckCertificates(V1Gateway gateway, V1Listener listener, GatewayInputs inputs, ReferenceGrants grants, List<(string, string)> problems, List<TlsCertificateRequest> certificates)
    {
        var refs = listener.Tls?.CertificateRefs ?? [];
        if (refs.Count == 0)
        {
            problems.Add(("InvalidCertificateRef", "an HTTPS listener needs tls.certificateRefs"));
            return;
        }

        var gwNs = gateway.Metadata.NamespaceProperty;
        foreach (var cert in refs)
        {
            var ns = string.IsNullOrEmpty(cert.Namespace) ? gwNs : cert.Namespace;
            if (!string.IsNullOrEmpty(cert.Group) || (cert.Kind ?? "Secret") != "Secret")
            {
                problems.Add(("InvalidCertificateRef", $"certificateRef {cert.Kind} {cert.Name} is not a Secret"));
            }
            else if (!grants.Permits(GatewayApiObject<V1GatewaySpec>.Group, "Gateway", gwNs, "", "Secret", ns, cert.Name))
            {
                problems.Add(("RefNotPermitted", $"secret {ns}/{cert.Name} is in another namespace and no ReferenceGrant there allows it"));
            }
            else if (inputs.GetSecret(ns, cert.Name) is not { } secret)
            {
                problems.Add(("InvalidCertificateRef", $"secret {ns}/{cert.Name} not found"));
            }
            else if (secret.Data is not { } data || !data.ContainsKey("tls.crt") || !data.ContainsKey("tls.key"))
            {
                problems.Add(("InvalidCertificateRef", $"secret {ns}/{cert.Name} has no tls.crt and tls.key"));
            }
            else if (GatewayHostnames.Normalize(listener.Hostname) is { Length: > 0 } host)
            {
                certificates.Add(new TlsCertificateRequest(gateway.Key, ns, cert.Name, [host]));
            }
        }
    }
}
