using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Hosting;
using Timonel.Client.Informers;
using Timonel.Proxy.Model;
using Timonel.Proxy.Nft;

namespace Timonel.Proxy;

/// <summary>
/// The node's service proxy (kube-proxy in nftables mode): watches Services and EndpointSlices
/// and keeps `table ip timonel` in the node's network namespace in step with them.
/// </summary>
/// <remarks>
/// nftables rather than iptables: one atomic `nft -f` transaction per sync replaces only the
/// chains that changed, and Service lookup is one verdict-map match (O(1)) instead of a linear
/// walk over a rule per Service, so rule updates and per-packet cost stay flat at thousands of
/// Services; the table is Timonel's own, so it never edits or flushes rules other software
/// owns, and `--cleanup` is one `delete table`. Debian 12's iptables is itself the nft backend.
/// Changes are batched: a burst of endpoint changes inside <see cref="ProxyOptions.MinSyncPeriod"/>
/// becomes one transaction.
/// </remarks>
public sealed partial class ServiceProxy : IAsyncDisposable
{
    private readonly ProxyOptions _options;
    private readonly SharedInformerFactory _informers;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1EndpointSlice> _slices;
    private readonly ProxySyncer _syncer;
    private readonly ILogger _log;
    private readonly CoalescingSyncLoop _loop;
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private ServiceProxy(ProxyOptions options, IKubernetes client, INftables nft, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _log = loggers.CreateLogger("proxy");
        _loop = new CoalescingSyncLoop(
            new CoalescingSyncOptions { Name = "service proxy", MinInterval = options.MinSyncPeriod, ResyncPeriod = options.FullSyncPeriod },
            SyncAsync,
            _log,
            time);
        _informers = new SharedInformerFactory(client, loggers, time);
        _services = _informers.Get(ResourceKinds.Services);
        _slices = _informers.Get(ResourceKinds.EndpointSlices);
        _services.AddEventHandler(_ => _loop.Request(), (_, _) => _loop.Request(), _ => _loop.Request());
        _slices.AddEventHandler(_ => _loop.Request(), (_, _) => _loop.Request(), _ => _loop.Request());
        _syncer = new ProxySyncer(options, nft, time);
    }

    /// <summary>Raised after every applied transaction (on the sync loop; keep handlers short).</summary>
    public event Action<ProxySyncResult>? Synced;

    /// <summary>The last applied per-service ruleset; null before the first sync.</summary>
    public DesiredRuleset? Applied => _syncer.Applied;

    /// <summary>Starts watching and syncing; the first (full) sync reconciles whatever table the kernel already has.</summary>
    public static Task<ServiceProxy> StartAsync(ProxyOptions options, IKubernetes client, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        StartAsync(options, client, new NftCommand(options.NftPath, options.NetworkNamespace), loggers, TimeProvider.System, cancellationToken);

    public static async Task<ServiceProxy> StartAsync(ProxyOptions options, IKubernetes client, INftables nft, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var proxy = new ServiceProxy(options, client, nft, loggers, time);
        proxy._informers.Start();
        try
        {
            await proxy._informers.WaitForCacheSyncAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await proxy._loop.DisposeAsync().ConfigureAwait(false);
            await proxy._informers.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        proxy._loop.Start();
        return proxy;
    }

    /// <summary>`timonel agent --cleanup`: deletes Timonel's table from the namespace.</summary>
    public static Task CleanupAsync(ProxyOptions options, CancellationToken cancellationToken) =>
        new NftCommand(options.NftPath, options.NetworkNamespace).DeleteTableAsync(cancellationToken);

    /// <summary>Completes after the first transaction was applied.</summary>
    public Task WaitForFirstSyncAsync(CancellationToken cancellationToken) => _firstSync.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The table stays: a restarted agent adopts it, and live connections keep their rules.
        await _loop.DisposeAsync().ConfigureAwait(false);
        await _informers.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One pass of the loop: the table in step with the caches (rewritten whole when <paramref name="full"/>).</summary>
    private async Task SyncAsync(bool full, CancellationToken cancellationToken)
    {
        var services = ServiceSnapshot.Build(_services.Cache.List(), _slices.Cache.List(), _options.NodeName);
        var result = await _syncer.SyncAsync(services, full, cancellationToken).ConfigureAwait(false);
        LogSynced(_log, result.Summary.Full, result.Summary.ChainsWritten, result.Summary.ChainsDeleted, result.Summary.ElementsChanged, result.Duration.TotalMilliseconds);
        if (!_firstSync.Task.IsCompleted)
        {
            // Once per start: after a restart this says the adopted table now matches the API again.
            LogFirstSync(_log, services.Count, result.Summary.ChainsDeleted, result.Duration.TotalMilliseconds);
        }

        _firstSync.TrySetResult();
        Synced?.Invoke(result);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "nftables synced (full {Full}): {Chains} chains written, {Deleted} deleted, {Elements} map elements changed in {Milliseconds} ms")]
    private static partial void LogSynced(ILogger log, bool full, int chains, int deleted, int elements, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "service proxy: table ip timonel in step with {Ports} service ports ({Deleted} stale chains deleted) in {Milliseconds} ms")]
    private static partial void LogFirstSync(ILogger log, int ports, int deleted, double milliseconds);
}
