using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;

namespace Timonel.Kubelet.Network;

/// <summary>
/// Keeps this node's host-gw routes in step with the Node objects: a route to every other node's
/// podCIDR via its InternalIP, removed when that node goes. Every change of the Node list
/// triggers one reconcile of the whole (small) table, so a missed event or an agent restart
/// heals itself. Routes stay when the agent stops, as containers do: pod traffic keeps flowing
/// while the agent restarts.
/// </summary>
public sealed partial class NodeRoutes : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly IRouteTable _table;
    private readonly string _nodeName;
    private readonly ILogger _log;
    private readonly SharedInformer<V1Node> _informer;
    private readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private IDisposable? _registration;
    private Task? _loop;

    public NodeRoutes(IKubernetes client, IRouteTable table, string nodeName, ILoggerFactory loggers)
    {
        _table = table;
        _nodeName = nodeName;
        _log = loggers.CreateLogger("kubelet.routes");
        _informer = new SharedInformer<V1Node>(client, ResourceKinds.Nodes, new InformerOptions(), loggers.CreateLogger("kubelet.routes.informer"));
    }

    /// <summary>Starts watching Nodes; returns once the first full list is applied.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = _informer.AddEventHandler(new InformerEventHandler<V1Node>(_ => MarkDirty(), (_, _) => MarkDirty(), _ => MarkDirty()));
        _informer.Start();
        await _informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        if (!await TryReconcileAsync(cancellationToken).ConfigureAwait(false))
        {
            MarkDirty();
        }

        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Makes the kernel table match the Node list: replaces missing or changed routes, deletes routes of nodes gone.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var desired = HostGatewayRoutes.Desired(_informer.Cache.List(), _nodeName);
        var current = await _table.ListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var route in desired)
        {
            if (!current.Any(c => c.Destination == route.Destination && c.Gateway.Equals(route.Gateway)))
            {
                await _table.ReplaceAsync(route, cancellationToken).ConfigureAwait(false);
                LogAdded(route.Destination, route.Gateway.ToString(), route.NodeName);
            }
        }

        foreach (var stale in current.Where(c => !desired.Any(d => d.Destination == c.Destination)))
        {
            await _table.DeleteAsync(stale, cancellationToken).ConfigureAwait(false);
            LogRemoved(stale.Destination, stale.Gateway.ToString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _registration?.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _informer.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task<bool> TryReconcileAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReconcileAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // A gateway not on a connected network (nodes on different L2 segments: see
            // docs/networking.md) or iproute2 missing: say so and try again.
            LogFailed(e.Message);
            return false;
        }
    }

    private void MarkDirty() => _dirty.Writer.TryWrite(true);

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (await _dirty.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                _dirty.Reader.TryRead(out _);
                if (!await TryReconcileAsync(stopping).ConfigureAwait(false))
                {
                    await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
                    MarkDirty();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "route {Destination} via {Gateway} (node {Node}) added")]
    private partial void LogAdded(string destination, string gateway, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "route {Destination} via {Gateway} removed: its node is gone")]
    private partial void LogRemoved(string destination, string gateway);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod routes not reconciled: {Reason}")]
    private partial void LogFailed(string reason);
}
