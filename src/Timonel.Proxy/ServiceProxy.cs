using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
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
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    private ServiceProxy(ProxyOptions options, IKubernetes client, INftables nft, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _time = time;
        _log = loggers.CreateLogger("proxy");
        _informers = new SharedInformerFactory(client, loggers, time);
        _services = _informers.Get(ResourceKinds.Services);
        _slices = _informers.Get(ResourceKinds.EndpointSlices);
        _services.AddEventHandler(_ => RequestSync(), (_, _) => RequestSync(), _ => RequestSync());
        _slices.AddEventHandler(_ => RequestSync(), (_, _) => RequestSync(), _ => RequestSync());
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
            await proxy._informers.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        proxy._loop = Task.Run(() => proxy.RunAsync(proxy._stop.Token), CancellationToken.None);
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
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        await _informers.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _changed.Dispose();
    }

    private void RequestSync()
    {
        try
        {
            if (_changed.CurrentCount == 0)
            {
                _changed.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the pending sync will see this change too.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var full = true;
        var lastFull = _time.GetTimestamp();
        var lastSync = 0L;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!full)
            {
                var untilFull = _options.FullSyncPeriod - _time.GetElapsedTime(lastFull);
                full = untilFull <= TimeSpan.Zero
                    || !await _changed.WaitAsync(untilFull, cancellationToken).ConfigureAwait(false);
            }

            // Batch: wait out the rest of the minimum period, so a burst becomes one transaction.
            var sinceLast = _time.GetElapsedTime(lastSync);
            if (lastSync != 0 && sinceLast < _options.MinSyncPeriod)
            {
                await Task.Delay(_options.MinSyncPeriod - sinceLast, _time, cancellationToken).ConfigureAwait(false);
            }

            _changed.Wait(0);
            lastSync = _time.GetTimestamp();
            try
            {
                var services = ServiceSnapshot.Build(_services.Cache.List(), _slices.Cache.List(), _options.NodeName);
                var result = await _syncer.SyncAsync(services, full, cancellationToken).ConfigureAwait(false);
                if (full)
                {
                    lastFull = lastSync;
                }

                full = false;
                failures = 0;
                LogSynced(_log, result.Summary.Full, result.Summary.ChainsWritten, result.Summary.ChainsDeleted, result.Summary.ElementsChanged, result.Duration.TotalMilliseconds);
                if (!_firstSync.Task.IsCompleted)
                {
                    // Once per start: after a restart this says the adopted table now matches the API again.
                    LogFirstSync(_log, services.Count, result.Summary.ChainsDeleted, result.Duration.TotalMilliseconds);
                }

                _firstSync.TrySetResult();
                Synced?.Invoke(result);
            }
            catch (Exception e) when (e is NftException or IOException or System.ComponentModel.Win32Exception or System.Text.Json.JsonException)
            {
                // The kernel's table is now unknown: reconcile it whole, after a growing pause.
                full = true;
                failures++;
                LogSyncFailed(_log, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * (1 << Math.Min(failures, 6)))), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "nftables synced (full {Full}): {Chains} chains written, {Deleted} deleted, {Elements} map elements changed in {Milliseconds} ms")]
    private static partial void LogSynced(ILogger log, bool full, int chains, int deleted, int elements, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "service proxy: table ip timonel in step with {Ports} service ports ({Deleted} stale chains deleted) in {Milliseconds} ms")]
    private static partial void LogFirstSync(ILogger log, int ports, int deleted, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "nftables sync failed, will rewrite the table: {Error}")]
    private static partial void LogSyncFailed(ILogger log, string error);
}
