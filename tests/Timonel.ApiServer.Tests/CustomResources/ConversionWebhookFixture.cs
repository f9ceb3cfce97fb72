using System.Collections.Concurrent;
using System.Net;
using Timonel.ApiServer.Tests.Api;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// An API server whose conversion webhooks time out after 2 s and whose dial filter allows
/// loopback only and records every address it is asked about (and its answer), so a test can
/// show a loopback webhook was dialled and another address was refused before any connection.
/// </summary>
public sealed class ConversionWebhookFixture : ApiServerFixture
{
    private readonly ConcurrentQueue<(IPAddress Address, bool Allowed)> _dials = new();

    public IReadOnlyList<(IPAddress Address, bool Allowed)> Dials => [.. _dials];

    protected override ApiServerOptions Configure(ApiServerOptions options) => options with
    {
        ConversionWebhookTimeout = TimeSpan.FromSeconds(2),
        KubeletDialFilter = address =>
        {
            var allowed = IPAddress.IsLoopback(address);
            _dials.Enqueue((address, allowed));
            return allowed;
        },
    };
}
