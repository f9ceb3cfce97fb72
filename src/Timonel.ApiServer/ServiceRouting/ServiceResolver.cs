using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.ServiceRouting;

/// <summary>
/// Turns a Service reference {namespace, name, port} into one endpoint to dial, as upstream's
/// ResolveEndpoint: the Service; its port by number (the port's name is then the one to find
/// among the endpoint ports) or by name; a ready address of its endpoints on that port, the
/// groups and their addresses tried from random starting points, the first address the caller's
/// <see cref="Check"/> accepts chosen. The callers differ only in what they set here: where
/// Services and endpoints are read (the aggregator's caches and EndpointSlices, or the store's
/// Endpoints objects), whether an ExternalName Service resolves to its name, how endpoints are
/// judged, and how they word the errors. Whatever address is chosen still passes the dial
/// filter (<see cref="Security.FilteredDialer"/>) before a connection is opened.
/// </summary>
internal sealed class ServiceResolver
{
    /// <summary>Reads a Service (namespace, name); null when there is none.</summary>
    public required Func<string, string, CancellationToken, Task<JsonObject?>> Services { get; init; }

    public required IServiceEndpoints Endpoints { get; init; }

    /// <summary>Judges each candidate endpoint: the dial-safety rules of the caller (nodes, pods, address forms).</summary>
    public required EndpointCheck Check { get; init; }

    /// <summary>Random starting points in the groups and their addresses; null tries them in the order listed.</summary>
    public Random? Random { get; init; }

    /// <summary>Whether an ExternalName Service resolves to its external name (the aggregator's rule) instead of to endpoints.</summary>
    public bool FollowExternalName { get; init; }

    public async Task<ServiceResolution> ResolveAsync(string ns, string name, ServicePortRef port, CancellationToken cancellationToken)
    {
        if (await Services(ns, name, cancellationToken).ConfigureAwait(false) is not { } service)
        {
            return ServiceResolution.Failed(ServiceResolutionError.ServiceNotFound);
        }

        var spec = service.Obj("spec");
        if (FollowExternalName && spec.Str("type") == "ExternalName")
        {
            return new ServiceResolution(new ServiceEndpoint(spec.Str("externalName") ?? "", port.Number ?? 0, null, null), ServiceResolutionError.None);
        }

        var portName = port.Name;
        if (port.Number is { } number)
        {
            if (PortByNumber(service, number) is not { } declared)
            {
                return ServiceResolution.Failed(ServiceResolutionError.PortNotFound);
            }

            portName = declared.Str("name") ?? "";
        }

        if (await Endpoints.ListAsync(ns, name, portName, cancellationToken).ConfigureAwait(false) is not { } listed)
        {
            return ServiceResolution.Failed(ServiceResolutionError.EndpointsNotFound);
        }

        string? skipped = null;
        foreach (var group in Rotated(listed.Usable))
        {
            foreach (var endpoint in Rotated(group))
            {
                var verdict = await Check(endpoint, cancellationToken).ConfigureAwait(false);
                if (verdict.Usable)
                {
                    return new ServiceResolution(endpoint, ServiceResolutionError.None);
                }

                skipped = verdict.Reason ?? skipped;
            }
        }

        return ServiceResolution.Failed(ServiceResolutionError.NoEndpoints, skipped, listed.Listed);
    }

    /// <summary>The entry of the Service's spec.ports with that port number, if any.</summary>
    public static JsonObject? PortByNumber(JsonObject service, long number) =>
        service.Obj("spec").Arr("ports").Objects().Select(p => p.Item).FirstOrDefault(p => p.Int("port") == number);

    private IEnumerable<T> Rotated<T>(IReadOnlyList<T> items)
    {
        var start = Random is null || items.Count == 0 ? 0 : Random.Next(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            yield return items[(start + i) % items.Count];
        }
    }
}
