using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Dns.Cluster;
using Timonel.Dns.Server;

namespace Timonel.Dns.Hosting;

/// <summary>
/// The cluster DNS server of one node: informers of the cluster, the server on the node's IP
/// (bound as soon as the address exists, retried until then) and the EndpointSlice
/// kube-dns-NODE that points the kube-dns Service at it, deleted again on a clean stop.
/// </summary>
public sealed partial class NodeDnsService : IAsyncDisposable
{
    private readonly NodeDnsOptions _options;
    private readonly ILogger _logger;
    private readonly SharedInformerFactory _informers;
    private readonly DnsServer _server;
    private readonly IKubernetes _client;
    private DnsEndpointSlice? _slice;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _run;
    private int _disposed;

    private NodeDnsService(IKubernetes client, NodeDnsOptions options, ILoggerFactory loggers)
    {
        _options = options;
        _logger = loggers.CreateLogger("dns");
        _informers = new SharedInformerFactory(client, loggers);
        var directory = new InformerDirectory(_informers, watchPods: options.Cluster.PodRecords == PodRecordMode.Verified);
        var zone = new ClusterZone(directory, options.Cluster);
        var self = new IPEndPoint(options.ListenAddress, options.Port);
        var forwarder = new UpstreamForwarder(options.Upstreams ?? UpstreamResolvers.FromResolvConf(options.ResolvConfPath, self), options.Sockets);
        _server = new DnsServer(new DnsQueryHandler(zone, forwarder, _logger), options.Sockets, _logger);
        _client = client;
        _informers.Start();
        _run = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Completes with the bound address once the server listens.</summary>
    public Task<IPEndPoint> Listening => _listening.Task;

    /// <summary>Starts serving in the background; returns at once.</summary>
    public static NodeDnsService Start(IKubernetes client, NodeDnsOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"DNS port {options.Port} is not between 0 and 65535");
        }

        return new NodeDnsService(client, options, loggers);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _listening.TrySetCanceled();
        if (_slice is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _slice.DeleteAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException)
            {
                LogSliceFailed(_logger, _slice.Name, e);
            }
        }

        await _server.DisposeAsync().ConfigureAwait(false);
        await _informers.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // As CoreDNS: serve once the caches hold the cluster, or after 5 s whatever they hold.
        using (var sync = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            sync.CancelAfter(TimeSpan.FromSeconds(5));
            await _informers.WaitForCacheSyncAsync(sync.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var endPoint = new IPEndPoint(_options.ListenAddress, _options.Port);
        var warned = false;
        while (true)
        {
            try
            {
                await _server.StartAsync(endPoint, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (System.Net.Sockets.SocketException e)
            {
                if (!warned)
                {
                    LogBindFailed(_logger, endPoint, e.Message);
                    warned = true;
                }

                await Task.Delay(_options.BindRetryInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        var bound = _server.LocalEndPoint!;
        _listening.TrySetResult(bound);
        if (!_options.PublishEndpointSlice)
        {
            return;
        }

        // The slice names the bound port (the configured one, or the free one a test asked for).
        _slice = new DnsEndpointSlice(_client, _options.NodeName, _options.ListenAddress, bound.Port);

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _slice.EnsureAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSliceFailed(_logger, _slice.Name, e);
                await Task.Delay(_options.BindRetryInterval * 5, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await Task.Delay(_options.EndpointSliceResync, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cluster DNS cannot listen on {EndPoint} yet ({Reason}); retrying")]
    private static partial void LogBindFailed(ILogger logger, IPEndPoint endPoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot write EndpointSlice kube-system/{Name}")]
    private static partial void LogSliceFailed(ILogger logger, string name, Exception error);
}
