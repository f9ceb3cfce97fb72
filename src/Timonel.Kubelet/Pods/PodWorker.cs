using Grpc.Core;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// One pod's loop (upstream's pod worker): syncs the newest version of the pod whenever it
/// changes, a probe flips, or every relist interval; on deletion terminates it and ends. The
/// work itself is <see cref="PodSyncer"/>'s and <see cref="PodTerminator"/>'s; a failed sync is
/// logged and retried on the next wake-up.
/// </summary>
internal sealed partial class PodWorker : IAsyncDisposable
{
    private readonly PodRuntime _rt;
    private readonly PodTerminator _terminator;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly PodState _state;
    private readonly PodRecords _records;
    private readonly PodSyncer _syncer;
    private Task? _loop;
    private V1Pod _pod;
    private volatile bool _removed;

    public PodWorker(V1Pod pod, PodRuntime runtime, PodTerminator terminator, ILogger log)
    {
        _pod = pod;
        _rt = runtime;
        _terminator = terminator;
        _log = log;
        _state = new PodState(pod.Status?.StartTime);
        _records = new PodRecords(runtime.Cri, pod.Metadata.Uid);
        _syncer = new PodSyncer(runtime, _state, _records, runtime.Volumes.ForPod(pod), terminator, Wake, log);
    }

    public string Uid => _pod.Metadata.Uid;

    /// <summary>Completes when the pod has been torn down after deletion (or the worker was stopped).</summary>
    public Task Completion => _loop ?? throw new InvalidOperationException("the pod worker was not started");

    /// <summary>Starts the loop; it runs until the pod is terminated or the worker is disposed.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>A newer version of the pod arrived from the API.</summary>
    public void Update(V1Pod pod)
    {
        Volatile.Write(ref _pod, pod);
        Wake();
    }

    /// <summary>The pod is gone from the API (deleted without grace): tear it down.</summary>
    public void Remove()
    {
        _removed = true;
        Wake();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            if (_loop is not null)
            {
                await _loop.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await _rt.Probes.DropPodAsync(Uid).ConfigureAwait(false);
        _rt.Status.Forget(Uid);
        _rt.Allocations.Release(Uid);
        _stop.Dispose();
        _signal.Dispose();
    }

    /// <summary>Syncs now rather than at the next relist.</summary>
    public void Nudge() => Wake();

    private void Wake() => _signal.Release();

    private string PodKey => $"{_pod.Metadata.NamespaceProperty}/{_pod.Metadata.Name}";

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var pod = Volatile.Read(ref _pod);
            try
            {
                if (_removed || pod.Metadata.DeletionTimestamp is not null)
                {
                    await _terminator.TerminateAsync(pod, _removed, _records, _state.PodIp, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await _syncer.SyncPodAsync(pod, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or HttpOperationException or HttpRequestException or IOException or InvalidOperationException)
            {
                LogSyncFailed(PodKey, e.Message);
            }

            try
            {
                await _signal.WaitAsync(_rt.Options.RelistInterval, cancellationToken).ConfigureAwait(false);
                while (_signal.CurrentCount > 0)
                {
                    await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: sync failed: {Reason}")]
    private partial void LogSyncFailed(string pod, string reason);
}
