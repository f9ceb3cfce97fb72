using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Controllers.Dynamic;
using Timonel.Registry.CustomResources;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.GarbageCollector;

/// <summary>
/// The garbage collector's watches of the resources discovery lists beyond the built-in ones
/// (custom resources): one untyped informer each, started when discovery first lists the
/// resource and stopped when it no longer does. Discovery runs again whenever a
/// CustomResourceDefinition changes and every <see cref="ResyncPeriod"/> (upstream's collector
/// re-syncs its monitors on discovery changes every 30 s), so a CRD created after the controller
/// started is collected without a restart.
/// </summary>
internal sealed partial class DiscoveredMonitors : IAsyncDisposable
{
    /// <summary>How often discovery is read even when no CRD changed (upstream's garbage collector: 30 s).</summary>
    public static readonly TimeSpan ResyncPeriod = TimeSpan.FromSeconds(30);

    /// <summary>How soon a failed discovery is tried again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly IKubernetes _client;
    private readonly ApiDiscovery _discovery;
    private readonly Func<ApiResource, bool> _watchedElsewhere;
    private readonly CatalogChange _onChange;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<(string Group, string Plural), Monitor> _monitors = [];
    private readonly ConcurrentDictionary<(string Group, string Kind), bool> _gone = new();
    private DiscoveryResult _last = new([], []);

    /// <param name="watchedElsewhere">Resources the collector already watches through the shared typed informers (the built-in ones).</param>
    public DiscoveredMonitors(IKubernetes client, ApiDiscovery discovery, Func<ApiResource, bool> watchedElsewhere, CatalogChange onChange, ILoggerFactory loggers, TimeProvider time)
    {
        _client = client;
        _discovery = discovery;
        _watchedElsewhere = watchedElsewhere;
        _onChange = onChange;
        _loggers = loggers;
        _log = loggers.CreateLogger("garbage-collector-controller");
        _time = time;
    }

    /// <summary>Asks for discovery to run again soon (a CRD changed).</summary>
    public void RequestResync() => _wake.Writer.TryWrite(true);

    /// <summary>The resource of an owner reference's group and kind, as discovery last described it.</summary>
    public ApiResource? FindByKind(string group, string kind) => Volatile.Read(ref _last).FindByKind(group, kind);

    /// <summary>
    /// True when a kind this collector watched is no longer served at all (its CRD deleted, which
    /// deletes every object of it first): a reference to such an owner dangles.
    /// </summary>
    public bool IsGone(string group, string kind) => _gone.ContainsKey((group, kind));

    /// <summary>
    /// Reads discovery and brings the monitors in step; calls <paramref name="changed"/> with the
    /// resources whose monitors stopped, and with each started one once its cache synced.
    /// </summary>
    public async Task SyncAsync(Func<IReadOnlyList<ApiResource>, IReadOnlyList<ApiResource>, Task> changed, CancellationToken cancellationToken)
    {
        var result = await _discovery.DiscoverAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _last, result);
        foreach (var served in result.Resources)
        {
            _gone.TryRemove((served.Resource.Group, served.Resource.Kind), out _);
        }

        var wanted = result.Resources
            .Where(r => r.Supports("list", "watch", "delete") && r.Resource.Plural != "events" && !_watchedElsewhere(r.Resource))
            .ToDictionary(r => (r.Resource.Group, r.Resource.Plural), r => r.Resource);

        var stopped = new List<ApiResource>();
        foreach (var (key, monitor) in _monitors.ToList())
        {
            // A group that failed discovery keeps its monitors: failing is not being gone.
            if ((wanted.TryGetValue(key, out var now) && now == monitor.Resource) || (!wanted.ContainsKey(key) && !result.IsComplete(key.Group)))
            {
                continue;
            }

            _monitors.Remove(key);
            await monitor.Informer.DisposeAsync().ConfigureAwait(false);
            if (!wanted.ContainsKey(key))
            {
                // Gone, not just listed in another version (then the new monitor takes over its objects).
                stopped.Add(monitor.Resource);
                _gone[(monitor.Resource.Group, monitor.Resource.Kind)] = true;
                Log.Stopped(_log, monitor.Resource.ToString());
            }
        }

        var started = new List<Monitor>();
        foreach (var (key, resource) in wanted)
        {
            if (_monitors.ContainsKey(key))
            {
                continue;
            }

            var kind = new ResourceKind<CustomResourceObject>(resource.Group, resource.Version, resource.Kind, resource.Plural);
            var informer = new SharedInformer<CustomResourceObject>(_client, kind, null, _loggers.CreateLogger($"Timonel.Client.Informers.{kind}"), _time);
            informer.AddEventHandler(
                onAdd: o => _onChange(resource, null, o),
                onUpdate: (o, n) => _onChange(resource, o, n),
                onDelete: o => _onChange(resource, o, null));
            var monitor = new Monitor(resource, informer);
            _monitors.Add(key, monitor);
            informer.Start();
            started.Add(monitor);
            Log.Started(_log, resource.ToString());
        }

        if (stopped.Count > 0)
        {
            await changed([], stopped).ConfigureAwait(false);
        }

        foreach (var monitor in started)
        {
            // Not awaited here: a resource whose list fails (its CRD deleted meanwhile) must not hold up the next discovery.
            _ = ReportSyncedAsync(monitor, changed, cancellationToken);
        }
    }

    private static async Task ReportSyncedAsync(Monitor monitor, Func<IReadOnlyList<ApiResource>, IReadOnlyList<ApiResource>, Task> changed, CancellationToken cancellationToken)
    {
        try
        {
            await monitor.Informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
            await changed([monitor.Resource], []).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Runs discovery again on every request and every <see cref="ResyncPeriod"/> until cancelled.</summary>
    public async Task RunAsync(Func<IReadOnlyList<ApiResource>, IReadOnlyList<ApiResource>, Task> changed, CancellationToken cancellationToken)
    {
        var wait = ResyncPeriod;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                await _wake.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The period passed: look anyway (aggregated APIs come and go without a CRD event).
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await SyncAsync(changed, cancellationToken).ConfigureAwait(false);
                wait = ResyncPeriod;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsDiscoveryFailure(e))
            {
                Log.DiscoveryFailed(_log, e.Message);
                wait = RetryDelay;
            }
        }
    }

    /// <summary>The failures of a discovery call that a later call may not have: unreachable server, an error status, a bad answer.</summary>
    public static bool IsDiscoveryFailure(Exception e) =>
        e is DynamicApiException or HttpRequestException or System.Text.Json.JsonException or InvalidOperationException;

    public async ValueTask DisposeAsync()
    {
        foreach (var monitor in _monitors.Values)
        {
            await monitor.Informer.DisposeAsync().ConfigureAwait(false);
        }

        _monitors.Clear();
    }

    private sealed record Monitor(ApiResource Resource, SharedInformer<CustomResourceObject> Informer);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "watching {Resource} for garbage collection")]
        public static partial void Started(ILogger logger, string resource);

        [LoggerMessage(Level = LogLevel.Information, Message = "stopped watching {Resource}: discovery no longer lists it")]
        public static partial void Stopped(ILogger logger, string resource);

        [LoggerMessage(Level = LogLevel.Warning, Message = "discovery failed, the garbage collector's monitors stay as they are: {Reason}")]
        public static partial void DiscoveryFailed(ILogger logger, string reason);
    }
}
