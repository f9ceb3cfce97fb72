using System.Net;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The HTTP handler settings of the server's proxying transports (the proxy subresources', the
/// aggregator's): requests pass as the client sent them (no redirects followed, no cookies kept,
/// bodies not decompressed), no system proxy, one connection per request, and every connection
/// opened by <paramref name="connect"/>, which goes through the <see cref="FilteredDialer"/>.
/// </summary>
internal static class ProxyingHandler
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public static SocketsHttpHandler Create(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectTimeout = ConnectTimeout,
        ConnectCallback = connect,
    };
}
