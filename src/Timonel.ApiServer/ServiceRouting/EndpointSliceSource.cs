using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.ServiceRouting;

/// <summary>
/// A Service's endpoints read from its EndpointSlices (label kubernetes.io/service-name), as
/// upstream's aggregator reads them: each slice carrying the port's name is a group, its
/// endpoints whose ready condition is not false the ready ones.
/// </summary>
internal sealed class EndpointSliceSource(Func<string, CancellationToken, Task<IReadOnlyList<JsonObject>>> listSlices) : IServiceEndpoints
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";

    public async Task<(int Listed, IReadOnlyList<IReadOnlyList<ServiceEndpoint>> Usable)?> ListAsync(string ns, string service, string portName, CancellationToken cancellationToken)
    {
        var slices = await SlicesOfAsync(ns, service, cancellationToken).ConfigureAwait(false);
        var usable = new List<IReadOnlyList<ServiceEndpoint>>();
        foreach (var slice in slices)
        {
            var port = slice.Arr("ports").Objects().Select(p => p.Item).FirstOrDefault(p => (p.Str("name") ?? "") == portName && p.Int("port") is not null);
            if (port is null)
            {
                continue;
            }

            var ready = slice.Arr("endpoints").Objects()
                .Select(e => e.Item)
                .Where(e => e.Obj("conditions").Bool("ready") != false)
                .SelectMany(e => (e.Arr("addresses") ?? []).Select(JsonAccess.AsString).OfType<string>().Where(a => a.Length > 0)
                    .Select(a => new ServiceEndpoint(a, (int)port.Int("port")!.Value, e.Str("nodeName"), e.Obj("targetRef"))))
                .ToList();
            if (ready.Count > 0)
            {
                usable.Add(ready);
            }
        }

        return (slices.Count, usable);
    }

    /// <summary>The slices of <paramref name="serviceName"/> in its namespace.</summary>
    public async Task<IReadOnlyList<JsonObject>> SlicesOfAsync(string ns, string serviceName, CancellationToken cancellationToken) =>
        [.. (await listSlices(ns, cancellationToken).ConfigureAwait(false)).Where(s => s.Obj("metadata").Obj("labels").Str(ServiceNameLabel) == serviceName)];

    /// <summary>Whether the Service has a ready endpoint for the port (the aggregator availability check's MissingEndpoints test).</summary>
    public static bool HasReadyEndpoint(IEnumerable<JsonObject> slices, string serviceName, string portName) =>
        slices.Any(slice =>
            slice.Obj("metadata").Obj("labels").Str(ServiceNameLabel) == serviceName
            && slice.Arr("endpoints").Objects().Any(e => e.Item.Obj("conditions").Bool("ready") != false)
            && slice.Arr("ports").Objects().Any(p => p.Item.Str("name") is { } n && n == portName && p.Item.Int("port") is not null));
}
