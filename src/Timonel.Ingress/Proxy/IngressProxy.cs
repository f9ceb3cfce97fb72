using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Timonel.Ingress.Routing;
using Timonel.Ingress.Tls;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.Ingress.Proxy;

/// <summary>
/// The data plane: Kestrel on the HTTP and HTTPS ports, each request routed through the current
/// <see cref="RouteTable"/> and forwarded with YARP's <see cref="IHttpForwarder"/>. Tables and
/// certificates are swapped whole (<see cref="Update(RouteTable)"/>): requests in flight and open
/// connections, WebSockets included, keep going; the next request sees the new table.
/// </summary>
public sealed partial class IngressProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _backends;
    private readonly ILogger _access;
    private readonly TimeSpan _shutdownTimeout;
    private readonly ForwarderRequestConfig _requestConfig = new()
    {
        // Pods speak HTTP/1.1 in the clear; WebSocket upgrades need it too.
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private volatile RouteTable _routes = RouteTable.Empty;
    private volatile CertificateSet _certificates;
    private int _disposed;

    private IngressProxy(WebApplication app, HttpMessageInvoker backends, CertificateSet certificates, ILoggerFactory loggers, TimeSpan shutdownTimeout)
    {
        _app = app;
        _forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        _backends = backends;
        _certificates = certificates;
        _access = loggers.CreateLogger("ingress.access");
        _shutdownTimeout = shutdownTimeout;
    }

    /// <summary>The bound HTTP address (the free port a test asked for with port 0).</summary>
    public IPEndPoint HttpEndPoint { get; private set; } = new(IPAddress.None, 0);

    public IPEndPoint HttpsEndPoint { get; private set; } = new(IPAddress.None, 0);

    public RouteTable Routes => _routes;

    /// <summary>Starts listening; throws when a port cannot be bound (IOException).</summary>
    public static async Task<IngressProxy> StartAsync(IngressProxyOptions options, CertificateSet certificates, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(loggers);
        options.Validate();
        IngressProxy? proxy = null;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggers);
        builder.Services.AddHttpForwarder();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A proxy streams bodies through; the backend decides how much it takes (ingress-nginx's 1 MiB default would break uploads users expect to work).
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(options.ListenAddress, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            kestrel.Listen(options.ListenAddress, options.HttpsPort, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                // Looked up at every handshake: a rotated Secret serves new connections at once.
                l.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions
                {
                    OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = proxy!._certificates.Select(context.ClientHelloInfo.ServerName),
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    }),
                });
            });
        });
        var app = builder.Build();
        var backends = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.BackendConnectTimeout,
            ActivityHeadersPropagator = null,
        });
        proxy = new IngressProxy(app, backends, certificates, loggers, options.ShutdownTimeout);
        app.Run(proxy.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            backends.Dispose();
            throw;
        }

        foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            var uri = new Uri(address);
            var endPoint = new IPEndPoint(options.ListenAddress, uri.Port);
            if (uri.Scheme == "https")
            {
                proxy.HttpsEndPoint = endPoint;
            }
            else
            {
                proxy.HttpEndPoint = endPoint;
            }
        }

        return proxy;
    }

    /// <summary>Serves the next requests from <paramref name="routes"/>.</summary>
    public void Update(RouteTable routes) => _routes = routes ?? throw new ArgumentNullException(nameof(routes));

    /// <summary>Serves the next TLS handshakes with <paramref name="certificates"/>.</summary>
    public void Update(CertificateSet certificates) => _certificates = certificates ?? throw new ArgumentNullException(nameof(certificates));

    // The one terminal handler (no routing or endpoint middleware): per request it allocates only
    // what Kestrel and YARP's forwarder do; the access log's arguments are made only when it is on.
    private async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        var routes = _routes;
        if (!routes.Gateway.IsEmpty && routes.Gateway.Match(request) is { } gatewayRule)
        {
            // An HTTPRoute rule takes the request before the Ingress rules (docs/ingress.md, Gateway API).
            var to = await Gateway.Proxy.GatewayForwarding.HandleAsync(context, gatewayRule, Random.Shared, _forwarder, _backends, _requestConfig, ForwardedHeadersTransformer.Instance).ConfigureAwait(false);
            if (_access.IsEnabled(LogLevel.Information))
            {
                LogAccess(_access, context.Connection.RemoteIpAddress?.ToString() ?? "-", request.Method, request.Scheme, request.Host.Host, path, request.Protocol,
                    context.Response.StatusCode, to, gatewayRule.Route, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return;
        }

        // The raw Host header (port included): the table normalizes it without allocating.
        var match = routes.Match(request.Host.Value ?? "", path, request.IsHttps);
        IPEndPoint? upstream = null;
        if (match.RedirectToHttps)
        {
            var port = HttpsEndPoint.Port == 443 ? "" : $":{HttpsEndPoint.Port}";
            context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            context.Response.Headers.Location = $"https://{RouteTable.NormalizeHost(request.Host.Value ?? "")}{port}{request.PathBase}{request.Path}{request.QueryString}";
        }
        else if (match.Backend is not { } backend)
        {
            await AnswerAsync(context, StatusCodes.Status404NotFound, $"no ingress rule matches host {request.Host.Host} path {path}").ConfigureAwait(false);
        }
        else if (backend.PickIndex() is var picked && picked < 0)
        {
            await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, backend.Problem ?? $"service {backend.Service} has no ready endpoints").ConfigureAwait(false);
        }
        else
        {
            upstream = backend.Endpoints[picked];
            var error = await _forwarder.SendAsync(context, backend.Urls[picked], _backends, _requestConfig, ForwardedHeadersTransformer.Instance).ConfigureAwait(false);
            if (error != ForwarderError.None)
            {
                LogForwardError(_access, upstream, error, context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? "");
            }
        }

        if (_access.IsEnabled(LogLevel.Information))
        {
            LogAccess(_access, context.Connection.RemoteIpAddress?.ToString() ?? "-", request.Method, request.Scheme, request.Host.Host, path, request.Protocol,
                context.Response.StatusCode, upstream?.ToString() ?? "-", match.Ingress ?? "-", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    internal static Task AnswerAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(message + "\n"), context.RequestAborted).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(_shutdownTimeout))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _backends.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Client} \"{Method} {Scheme}://{Host}{Path} {Protocol}\" {Status} upstream={Upstream} ingress={Ingress} {ElapsedMs:F1}ms")]
    private static partial void LogAccess(ILogger logger, string client, string method, string scheme, string host, string path, string protocol, int status, string upstream, string ingress, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "forwarding to {Upstream} failed: {Error} {Reason}")]
    private static partial void LogForwardError(ILogger logger, IPEndPoint upstream, ForwarderError error, string reason);
}
