using Timonel.ApiServer.Tests.Api;
using Timonel.ApiServer.Tests.MultiServer;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

/// <summary>
/// Many clients at once on a server that has just started: each connection's TLS handshake must
/// succeed. Kestrel's per-connection certificate selector re-checked the serving certificate's key
/// usages on a shared certificate whose lazy decoding is not thread-safe, and about one fresh
/// server in forty closed a first connection mid-handshake ("unexpected EOF").
/// </summary>
public sealed class ConcurrentHandshakeTests
{
    [Fact]
    public async Task Handshake_ManyFreshConnectionsToNewServers_EveryOneSucceeds()
    {
        var failures = new List<string>();
        for (var round = 0; round < 12; round++)
        {
            await using var group = await ServerGroup.StartAsync(1);
            var host = group.Host(0);
            // One client per request: each opens its own connection, so every request is a handshake.
            var clients = Enumerable.Range(0, 32).Select(_ => new ApiClient(host.Url, host.Pki.ServerCaPem, host.Pki.AdminToken)).ToList();
            try
            {
                var results = await Task.WhenAll(clients.Select(async c =>
                {
                    try
                    {
                        return (await c.GetAsync("/api/v1/namespaces/default")).Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    catch (HttpRequestException e)
                    {
                        return $"{e.Message} {e.InnerException?.Message}";
                    }
                }));
                failures.AddRange(results.Where(r => r != "200").Select(r => $"round {round}: {r}"));
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
        }

        Assert.Empty(failures);
    }
}
