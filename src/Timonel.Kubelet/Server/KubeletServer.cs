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
using Timonel.Streaming;
using k8s;

namespace Timonel.Kubelet.Server;

/// <summary>
/// The kubelet's HTTPS server, which only the API server may call (client certificate of the
/// cluster's client CA): container logs from the CRI log files, and exec, attach and
/// port-forward relayed to the runtime's own streaming server (upstream's paths).
/// </summary>
public sealed partial class KubeletServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CriClient _cri;
    private readonly RuntimeContainers _containers;
    private readonly CallerAuthenticator _callers;
    private readonly HttpMessageInvoker _runtimeStreams;
    private readonly ILogger _log;
    private readonly System.Net.Sockets.Socket _listener;

    private KubeletServer(WebApplication app, System.Net.Sockets.Socket listener, CriClient cri, CallerAuthenticator callers, NodeNetwork network, ILogger log)
    {
        _app = app;
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _cri = cri;
        _containers = new RuntimeContainers(cri);
        _callers = callers;
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

    public static async Task<KubeletServer> StartAsync(KubeletOptions options, CriClient cri, IKubernetes client, NodeNetwork network, ILoggerFactory loggers, CancellationToken cancellationToken)
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
        var server = new KubeletServer(app, listener, cri, new CallerAuthenticator(options.ClientCaPem, client), network, loggers.CreateLogger("kubelet.server"));
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
            if (!await _callers.IsApiServerAsync(certificate, ct).ConfigureAwait(false))
            {
                throw ApiException.Unauthorized();
            }

            var parts = (context.Request.Path.Value ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
            switch (parts)
            {
                case ["healthz"]:
                    context.Response.ContentType = "text/plain";
                    await context.Response.WriteAsync("ok", ct).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "streaming {Path} failed: {Message}")]
    private static partial void LogStreamFailed(ILogger logger, string path, string message);
}
