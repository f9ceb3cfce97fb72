using System.Net;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.ServiceRouting;

namespace Timonel.ApiServer.Registry.Conversion;

/// <summary>
/// Webhooks' use of the <see cref="ServiceResolver"/>: a service clientConfig {namespace, name,
/// port} resolved as upstream's endpoint routing does, the Service's port by number, then a
/// ready address of its Endpoints object, taken in the order listed. Endpoints on simulated
/// nodes are never chosen (their addresses are made up and would route off the machine); an
/// address that is not an IP literal is passed over. Errors are Go-style messages; a missing
/// Endpoints object is "no endpoints available" as an empty one is.
/// </summary>
internal sealed class WebhookServiceResolver(ServiceResolver resolver)
{
    /// <summary>The rules webhooks resolve by, reading Services and Endpoints through <paramref name="get"/> (resource plural, namespace, name).</summary>
    public static ServiceResolver Rules(Func<string, string, string, CancellationToken, Task<System.Text.Json.Nodes.JsonObject?>> get, NodeReachability nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return new ServiceResolver
        {
            Services = (ns, name, ct) => get("services", ns, name, ct),
            Endpoints = new EndpointsObjectSource((ns, name, ct) => get("endpoints", ns, name, ct)),
            Check = async (endpoint, ct) =>
                await nodes.JudgeAsync(endpoint.NodeName, ct).ConfigureAwait(false) == NodeVerdict.Simulated ? EndpointVerdict.Skip("simulated")
                : IPAddress.TryParse(endpoint.Address, out _) ? EndpointVerdict.Use
                : EndpointVerdict.Skip(),
        };
    }

    /// <summary>The address and port to connect to, or an error in upstream's words (a Go-style message).</summary>
    public async Task<(IPEndPoint? Endpoint, string? Error)> ResolveAsync(string ns, string name, int port, CancellationToken cancellationToken)
    {
        var resolved = await resolver.ResolveAsync(ns, name, ServicePortRef.ByNumber(port), cancellationToken).ConfigureAwait(false);
        return resolved switch
        {
            { Endpoint: { } endpoint } => (new IPEndPoint(IPAddress.Parse(endpoint.Address), endpoint.Port), null),
            { Error: ServiceResolutionError.ServiceNotFound } => (null, $"service \"{name}\" not found"),
            { Error: ServiceResolutionError.PortNotFound } => (null, $"no service port {port} found for service \"{name}\""),
            { Skipped: not null } => (null, $"no endpoints available for service \"{name}\": its endpoints are pods on simulated nodes, which cannot be reached"),
            _ => (null, $"no endpoints available for service \"{name}\""),
        };
    }
}
