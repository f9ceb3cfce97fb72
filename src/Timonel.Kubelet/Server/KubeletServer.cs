using System.Net;
using System.Security.Authentication;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Stats;
using Timonel.Streaming;
using k8s;

namespace Timonel.Kubelet.Server;

/// <summary>
/// The kubelet's HTTPS server (upstream's paths): container logs from the CRI log files; exec,
/// attach and port-forward relayed to the runtime's own streaming server; resource usage at
/// /stats/summary and /metrics/resource. Callers are authenticated and authorized by
/// <see cref="KubeletAccess"/> (the API server's certificate, or a SubjectAccessReview).
/// </summary>
public sealed partial class KubeletServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CriClient _cri;
    private readonly RuntimeContainers _containers;
    private readonly KubeletAccess _access;
    private readonly StatsCollector _stats;
    private readonly HttpMessageInvoker _runtimeStreams;
    private readonly ILogger _log;
    private readonly System.Net.Sockets.Socket _listener;

    private KubeletServer(WebApplication app, System.Net.Sockets.Socket listener, CriClient cri, KubeletAccess access, StatsCollector stats, NodeNetwork network, ILogger log)
    {
        _app = app;
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _cri = cri;
        _containers = new RuntimeContainers(cri);
        _access = access;
        _stats = stats;
        _log = log;
        _runtimeStreams = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            // The runtime's streaming server listens on loopback in the node's network.
            ConnectCallback = async (context, ct) =>
            {
                var address = IPAddress.Parse(context.DnsEndPoint.Host);
                var socket = await network.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct).ConfigureAwait(false);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        });
    }

    /// <summary>The port the server listens on (the configured one, or the one picked for port 0).</summary>
    public int Port { get; }

    /// <param name="stats">Reads usage for /stats/summary and /metrics/resource (over <paramref name="cri"/> or a fake runtime).</param>
    /// <param name="time">The clock of the review caches.</param>
    public static async Task<KubeletServer> StartAsync(KubeletOptions options, CriClient cri, StatsCollector stats, IKubernetes client, NodeNetwork network, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = ServingCertificate.Create(options.NodeName, options.NodeIp, DateTimeOffset.UtcNow);
        var endPoint = new IPEndPoint(options.ServerAddress, options.ServerPort);
        var listener = await (options.ServerInNodeNetwork ? network : new NodeNetwork(null)).ListenAsync(endPoint).ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // The socket was made in the node's network; Kestrel serves on it as it is.
            k.ListenHandle((ulong)listener.Handle, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    // Asked for, checked per request: a caller without one gets a 401 Status, not a failed handshake.
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.CheckCertificateRevocation = false;
                    https.ClientCertificateValidation = (_, _, _) => true;
                });
            });
        });
        var app = builder.Build();
        var access = new KubeletAccess(new CallerAuthenticator(options.ClientCaPem, client), client, options.NodeName, time);
        var server = new KubeletServer(app, listener, cri, access, stats, network, loggers.CreateLogger("kubelet.server"));
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        try
        {
            var certificate = context.Connection.ClientCertificate ?? await context.Connection.GetClientCertificateAsync(ct).ConfigureAwait(false);
            var caller = await _access.AuthenticateAsync(certificate, context.Request.Headers.Authorization.FirstOrDefault(), ct).ConfigureAwait(false);
            await _access.AuthorizeAsync(caller, context.Request, ct).ConfigureAwait(false);

            var parts = (context.Request.Path.Value ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
            switch (parts)
            {
                case ["healthz"]:
                    context.Response.ContentType = "text/plain";
                    await context.Response.WriteAsync("ok", ct).ConfigureAwait(false);
                    break;
                case ["stats", "summary"] when IsGet(context):
                    await ServeSummaryAsync(context, ct).ConfigureAwait(false);
                    break;
                case ["metrics", "resource"] when IsGet(context):
                    await ServeResourceMetricsAsync(context, ct).ConfigureAwait(false);
                    break;
                case ["containerLogs", var ns, var pod, var container] when IsGet(context):
                    await ServeLogsAsync(context, ns, pod, container, ct).ConfigureAwait(false);
                    break;
                case ["exec", var ns, var pod, var container] when IsGetOrPost(context):
                    await ServeExecAsync(context, ns, pod, container, ct).ConfigureAwait(false);
                    break;
                case ["attach", var ns, var pod, var container] when IsGetOrPost(context):
                    await ServeAttachAsync(context, ns, pod, container, ct).ConfigureAwait(false);
                    break;
                case ["portForward", var ns, var pod] when IsGetOrPost(context):
                    await ServePortForwardAsync(context, ns, pod, ct).ConfigureAwait(false);
                    break;
                default:
                    throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the kubelet serves no {context.Request.Method} {context.Request.Path}");
            }
        }
        catch (ApiException e)
        {
            await StatusResponse.WriteAsync(context, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller went away.
        }
        catch (RpcException e)
        {
            var code = e.StatusCode == StatusCode.NotFound ? HttpStatusCode.NotFound : HttpStatusCode.InternalServerError;
            await StatusResponse.WriteAsync(context, new ApiException(code, code == HttpStatusCode.NotFound ? "NotFound" : "InternalError", $"container runtime: {e.Status.Detail}")).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            LogStreamFailed(_log, context.Request.Path, e.Message);
            await StatusResponse.WriteAsync(context, new ApiException(HttpStatusCode.BadGateway, "InternalError", $"the container runtime's streaming server failed: {e.Message}")).ConfigureAwait(false);
        }
    }

    private async Task ServeSummaryAsync(HttpContext context, CancellationToken ct)
    {
        // Usage that cannot be read fails the request with a 500, as upstream's summary does.
        UsageSnapshot snapshot;
        try
        {
            snapshot = await _stats.CollectAsync(withRates: true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw ApiException.Internal($"failed to read the node's resource usage: {e.Message}");
        }

        var body = SummaryWriter.Write(snapshot);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, ct).ConfigureAwait(false);
    }

    private async Task ServeResourceMetricsAsync(HttpContext context, CancellationToken ct)
    {
        UsageSnapshot? snapshot = null;
        try
        {
            snapshot = await _stats.CollectAsync(withRates: false, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidDataException)
        {
            // Upstream answers 200 with scrape_error 1: the scraper keeps its last figures.
            LogStatsFailed(_log, e.Message);
        }

        context.Response.ContentType = ResourceMetricsWriter.ContentType;
        await context.Response.WriteAsync(ResourceMetricsWriter.Write(snapshot), ct).ConfigureAwait(false);
    }

    private async Task ServeLogsAsync(HttpContext context, string ns, string pod, string container, CancellationToken ct)
    {
        var request = LogRequest.Parse(context.Request.Query, DateTimeOffset.UtcNow);
        var instances = await _containers.InstancesAsync(ns, pod, container, ct).ConfigureAwait(false);
        if (instances.Count == 0)
        {
            throw ApiException.BadRequest($"container \"{container}\" in pod \"{pod}\" is waiting to start: ContainerCreating");
        }

        var instance = request.Previous
            ? instances.Skip(1).FirstOrDefault() ?? throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{pod}\" not found")
            : instances[0];
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(ct).ConfigureAwait(false);
        var id = instance.Id;
        var streamer = new ContainerLogStreamer(instance.LogPath, request, context.Response.Body, c => request.Previous ? Task.FromResult(false) : _containers.IsRunningAsync(id, c));
        await streamer.RunAsync(ct).ConfigureAwait(false);
    }

    private async Task ServeExecAsync(HttpContext context, string ns, string pod, string container, CancellationToken ct)
    {
        var query = context.Request.Query;
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (command.Count == 0)
        {
            throw ApiException.BadRequest("you must specify at least 1 command");
        }

        var target = await _containers.RequireRunningAsync(ns, pod, container, ct).ConfigureAwait(false);
        var tty = Flag(query, "tty");
        var request = new ExecRequest { ContainerId = target.Id, Tty = tty, Stdin = Flag(query, "input"), Stdout = Flag(query, "output"), Stderr = Flag(query, "error") && !tty };
        request.Cmd.AddRange(command);
        var url = (await _cri.Runtime.ExecAsync(request, cancellationToken: ct).ConfigureAwait(false)).Url;
        await UpgradeRelay.RelayAsync(context, _runtimeStreams, new Uri(url), ct).ConfigureAwait(false);
    }

    private async Task ServeAttachAsync(HttpContext context, string ns, string pod, string container, CancellationToken ct)
    {
        var query = context.Request.Query;
        var target = await _containers.RequireRunningAsync(ns, pod, container, ct).ConfigureAwait(false);
        var tty = Flag(query, "tty");
        var request = new AttachRequest { ContainerId = target.Id, Tty = tty, Stdin = Flag(query, "input"), Stdout = Flag(query, "output"), Stderr = Flag(query, "error") && !tty };
        var url = (await _cri.Runtime.AttachAsync(request, cancellationToken: ct).ConfigureAwait(false)).Url;
        await UpgradeRelay.RelayAsync(context, _runtimeStreams, new Uri(url), ct).ConfigureAwait(false);
    }

    private async Task ServePortForwardAsync(HttpContext context, string ns, string pod, CancellationToken ct)
    {
        var sandbox = await _containers.RequireReadySandboxAsync(ns, pod, ct).ConfigureAwait(false);
        var url = (await _cri.Runtime.PortForwardAsync(new PortForwardRequest { PodSandboxId = sandbox.Id }, cancellationToken: ct).ConfigureAwait(false)).Url;
        await UpgradeRelay.RelayAsync(context, _runtimeStreams, new Uri(url), ct).ConfigureAwait(false);
    }

    private static bool IsGet(HttpContext context) => HttpMethods.IsGet(context.Request.Method);

    private static bool IsGetOrPost(HttpContext context) => HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsPost(context.Request.Method);

    private static bool Flag(IQueryCollection query, string name) =>
        query[name].FirstOrDefault() is { } v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _runtimeStreams.Dispose();
        _listener.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading resource usage failed: {Message}")]
    private static partial void LogStatsFailed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "streaming {Path} failed: {Message}")]
    private static partial void LogStreamFailed(ILogger logger, string path, string message);
}
