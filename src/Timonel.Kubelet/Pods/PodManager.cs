using Grpc.Core;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Follows the pods bound to this node (its own informer with fieldSelector spec.nodeName, or a
/// share of the node simulator's one watch) and keeps one <see cref="PodWorker"/> per pod UID. Handlers only hand the new object to the worker.
/// At start it removes runtime sandboxes whose pod no longer exists; running pods are adopted
/// by their workers, untouched.
/// </summary>
public sealed partial class PodManager : IAsyncDisposable
{
    private readonly PodRuntime _rt;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly IPodSource _source;
    private readonly PodTerminator _terminator;
    private IDisposable? _registration;

    public PodManager(PodRuntime runtime, ILoggerFactory loggers)
        : this(runtime, loggers, new InformerPodSource(runtime.Client, runtime.Options.NodeName, loggers.CreateLogger("kubelet.informer"), runtime.Time))
    {
    }

    /// <param name="source">The node's pods; the manager disposes it.</param>
    public PodManager(PodRuntime runtime, ILoggerFactory loggers, IPodSource source)
    {
        _rt = runtime;
        _loggers = loggers;
        _log = loggers.CreateLogger("kubelet.pods");
        _terminator = new PodTerminator(runtime, loggers.CreateLogger("kubelet.pod"));
        _source = source;
    }

    /// <summary>The number of pods with a live worker.</summary>
    public int WorkerCount
    {
        get
        {
            lock (_lock)
            {
                return _workers.Count;
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = _source.Subscribe(Upsert, Removed);
        await _source.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await RemoveOrphansAsync(cancellationToken).ConfigureAwait(false);
        _rt.Volumes.CleanUpOrphans(_source.List().Select(p => p.Metadata.Uid).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// Syncs the pod's worker now instead of at its next relist (an evented PLEG's nudge: the
    /// hollow runtime reports a container exit it drove itself).
    /// </summary>
    public void Wake(string uid)
    {
        lock (_lock)
        {
            if (_workers.TryGetValue(uid, out var worker))
            {
                worker.Nudge();
            }
        }
    }

    /// <summary>The pods bound to the node, as last seen.</summary>
    public IReadOnlyList<V1Pod> Pods() => [.. _source.List()];

    /// <summary>Evicts the pod for node pressure: its worker kills it and marks it Failed, reason Evicted, with the message.</summary>
    public void Evict(V1Pod pod, string message)
    {
        _rt.Eviction.Request(pod.Metadata.Uid, message);
        Wake(pod.Metadata.Uid);
    }

    /// <summary>Stops watching and stops the workers; containers keep running (a restarted agent adopts them).</summary>
    public async ValueTask DisposeAsync()
    {
        _registration?.Dispose();
        await _source.DisposeAsync().ConfigureAwait(false);
        List<PodWorker> workers;
        lock (_lock)
        {
            workers = [.. _workers.Values];
            _workers.Clear();
        }

        foreach (var worker in workers)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        await _rt.Probes.DisposeAsync().ConfigureAwait(false);
    }

    private void Upsert(V1Pod pod)
    {
        lock (_lock)
        {
            if (_workers.TryGetValue(pod.Metadata.Uid, out var worker))
            {
                worker.Update(pod);
                return;
            }

            worker = new PodWorker(pod, _rt, _terminator, _loggers.CreateLogger("kubelet.pod"));
            _workers[pod.Metadata.Uid] = worker;
            _ = worker.StartAsync(CancellationToken.None);
            _ = worker.Completion.ContinueWith(_ => Forget(pod.Metadata.Uid, worker), TaskScheduler.Default);
        }
    }

    private void Removed(V1Pod pod)
    {
        lock (_lock)
        {
            if (_workers.TryGetValue(pod.Metadata.Uid, out var worker))
            {
                worker.Remove();
                return;
            }
        }

        // No worker (finished pod): clean the runtime in the background.
        _ = Task.Run(async () =>
        {
            try
            {
                await _terminator.RemoveAllAsync(pod.Metadata.Uid, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                LogCleanupFailed(pod.Metadata.Uid, e.Status.Detail);
            }
        });
    }

    private void Forget(string uid, PodWorker worker)
    {
        lock (_lock)
        {
            if (_workers.TryGetValue(uid, out var current) && ReferenceEquals(current, worker))
            {
                _workers.Remove(uid);
            }
        }

        _ = worker.DisposeAsync().AsTask();
    }

    private async Task RemoveOrphansAsync(CancellationToken cancellationToken)
    {
        var filter = new PodSandboxFilter();
        filter.LabelSelector[CriLabels.Managed] = "true";
        var sandboxes = await _rt.Cri.ListPodSandboxAsync(filter, cancellationToken).ConfigureAwait(false);
        var known = _source.List().Select(p => p.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
        foreach (var uid in sandboxes.Select(s => s.Labels.GetValueOrDefault(CriLabels.PodUid)).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (!known.Contains(uid))
            {
                LogOrphan(uid);
                await _terminator.RemoveAllAsync(uid, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "removing runtime objects of pod {Uid}: the pod no longer exists")]
    private partial void LogOrphan(string uid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cleanup of pod {Uid} failed: {Reason}")]
    private partial void LogCleanupFailed(string uid, string reason);
}
