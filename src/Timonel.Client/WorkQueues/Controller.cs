using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;

namespace Timonel.Client.WorkQueues;

/// <summary>
/// The loop every controller shares: event handlers enqueue keys; N workers take a key, call the
/// idempotent <see cref="SyncAsync"/>, forget the key on success and requeue it with backoff
/// when the sync throws. One key is never synced by two workers at once.
/// </summary>
public abstract class Controller : IDisposable
{
    protected Controller(string name, ILogger? logger = null, TimeProvider? time = null, IRateLimiter<string>? rateLimiter = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Logger = logger ?? NullLogger.Instance;
        Time = time ?? TimeProvider.System;
        Queue = new WorkQueue<string>(rateLimiter ?? RateLimiters.DefaultController<string>(Time), Time);
    }

    /// <summary>The controller's name, used in logs (e.g. "replicaset-controller").</summary>
    public string Name { get; }

    public WorkQueue<string> Queue { get; }

    protected ILogger Logger { get; }

    protected TimeProvider Time { get; }

    /// <summary>Queues the object's "namespace/name" key.</summary>
    public void Enqueue(IKubernetesObject<V1ObjectMeta> obj) => Queue.Add(ObjectKeys.KeyOf(obj));

    public void Enqueue(string key) => Queue.Add(key);

    public void EnqueueAfter(string key, TimeSpan delay) => Queue.AddAfter(key, delay);

    /// <summary>Queues the key at an absolute time on the controller's clock (now, if already passed).</summary>
    public void EnqueueAt(string key, DateTimeOffset at) => Queue.AddAt(key, at);

    /// <summary>
    /// Waits for the informers to sync, then runs <paramref name="workers"/> workers until
    /// cancelled; on cancellation the queue shuts down and in-flight syncs see the token.
    /// </summary>
    public async Task RunAsync(int workers, IEnumerable<ISharedInformer> waitFor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        ArgumentNullException.ThrowIfNull(waitFor);
        ControllerLog.Starting(Logger, Name, workers);
        try
        {
            await Task.WhenAll(waitFor.Select(i => i.WaitForSyncAsync(cancellationToken))).ConfigureAwait(false);
            using var stop = cancellationToken.Register(Queue.ShutDown);
            var loops = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkerAsync(cancellationToken), CancellationToken.None));
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is the normal way out.
        }
        finally
        {
            Queue.ShutDown();
            ControllerLog.Stopped(Logger, Name);
        }
    }

    public Task RunAsync(int workers, CancellationToken cancellationToken) => RunAsync(workers, [], cancellationToken);

    /// <summary>
    /// Brings the object named by <paramref name="key"/> to its desired state, reading the
    /// informer caches. Must be idempotent; throw to have the key retried with backoff.
    /// </summary>
    protected abstract Task SyncAsync(string key, CancellationToken cancellationToken);

    /// <summary>Takes one key and syncs it; false once the queue is shut down and drained.</summary>
    internal async Task<bool> ProcessNextWorkItemAsync(CancellationToken cancellationToken)
    {
        var (key, shuttingDown) = await Queue.GetAsync(cancellationToken).ConfigureAwait(false);
        if (shuttingDown)
        {
            return false;
        }

        try
        {
            await SyncAsync(key, cancellationToken).ConfigureAwait(false);
            Queue.Forget(key);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down mid-sync: the key is not an error.
        }
        catch (Exception e)
        {
            ControllerLog.SyncFailed(Logger, Name, key, Queue.NumRequeues(key), e);
            Queue.AddRateLimited(key);
        }
        finally
        {
            Queue.Done(key);
        }

        return true;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Queue.Dispose();
        }
    }

    private async Task WorkerAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await ProcessNextWorkItemAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
