using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.ServiceRouting;

/// <summary>
/// A Service's endpoints read from its Endpoints object, as upstream's service proxy and
/// webhook routing read them: each subset carrying the port's name is a group, its
/// <c>addresses</c> (not <c>notReadyAddresses</c>) the ready ones.
/// </summary>
internal sealed class EndpointsObjectSource(Func<string, string, CancellationToken, Task<JsonObject?>> getEndpoints) : IServiceEndpoints
{
    public async Task<(int Listed, IReadOnlyList<IReadOnlyList<ServiceEndpoint>> Usable)?> ListAsync(string ns, string service, string portName, CancellationToken cancellationToken)
    {
        if (await getEndpoints(ns, service, cancellationToken).ConfigureAwait(false) is not { } endpoints)
        {
            return null;
        }

        var subsets = endpoints.Arr("subsets").Objects().Select(s => s.Item).ToList();
        var usable = new List<IReadOnlyList<ServiceEndpoint>>();
        foreach (var subset in subsets)
        {
            var port = subset.Arr("ports").Objects().Select(p => p.Item).FirstOrDefault(p => (p.Str("name") ?? "") == portName);
            if (port?.Int("port") is not { } number)
            {
                continue;
            }

            var ready = subset.Arr("addresses").Objects()
                .Select(a => a.Item)
                .Where(a => a.Str("ip") is { Length: > 0 })
                .Select(a => new ServiceEndpoint(a.Str("ip")!, (int)number, a.Str("nodeName"), a.Obj("targetRef")))
                .ToList();
            if (ready.Count > 0)
            {
                usable.Add(ready);
            }
        }

        return (subsets.Count, usable);
    }
}
