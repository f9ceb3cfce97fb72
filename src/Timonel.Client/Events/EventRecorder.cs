using System.Text.Json;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;

namespace Timonel.Client.Events;

/// <summary>
/// Emits core/v1 Events about objects, as upstream's event recorder: fire-and-forget through a
/// bounded queue written by one background loop, so callers never wait on the API server (when the
/// queue is full the event is dropped with a log line). A repeat of the same event (object, type,
/// reason, message, source) within 10 minutes patches the existing Event's count and lastTimestamp
/// instead of creating another.
/// </summary>
public sealed class EventRecorder : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly EventCorrelator _correlator;
    private readonly Channel<Occurrence> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _dropped;

    /// <param name="component">The reporting component, e.g. "replicaset-controller" (source.component).</param>
    /// <param name="host">The node or instance the component runs on (source.host); may be empty.</param>
    /// <param name="capacity">Events that may wait to be written before new ones are dropped.</param>
    public EventRecorder(IKubernetes client, string component, string? host = null, ILogger? logger = null, TimeProvider? time = null, int capacity = 1000)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(component);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _client = client;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _correlator = new EventCorrelator(component, host ?? "");
        _queue = Channel.CreateBounded<Occurrence>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(() => WriteLoopAsync(_stop.Token));
    }

    /// <summary>Records an event about an object (type is <see cref="EventTypes.Normal"/> or <see cref="EventTypes.Warning"/>).</summary>
    public void Event(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message) =>
        Event(ReferenceTo(obj), type, reason, message);

    /// <summary>Records an event about the referenced object.</summary>
    /// <exception cref="ArgumentException">The type is neither Normal nor Warning, or the reason is empty.</exception>
    public void Event(V1ObjectReference involved, string type, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(involved);
        if (type is not (EventTypes.Normal or EventTypes.Warning))
        {
            throw new ArgumentException($"unsupported event type: \"{type}\" (want Normal or Warning)", nameof(type));
        }

        ArgumentException.ThrowIfNullOrEmpty(reason);
        message ??= "";
        EventRecorderLog.Recorded(_logger, involved.Kind, involved.NamespaceProperty, involved.Name, type, reason, message);
        if (!_queue.Writer.TryWrite(new Occurrence(involved, type, reason, message, _time.GetUtcNow())))
        {
            // Under a burst every event may be dropped: one line per 1,000 keeps the log (and its CPU) small.
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped % 1000 == 1)
            {
                EventRecorderLog.Dropped(_logger, dropped, reason, involved.Kind, involved.NamespaceProperty, involved.Name, message);
            }
        }
    }

    /// <summary>Waits until every event recorded before the call has been written (or dropped); for tests and orderly shutdowns.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Occurrence(null!, "", "", "", _time.GetUtcNow(), flushed), cancellationToken).ConfigureAwait(false);
        await flushed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A reference to the object as Events name it (kind and apiVersion from the object, else from its model's [KubernetesEntity]).</summary>
    public static V1ObjectReference ReferenceTo(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var kind = obj.Kind;
        var apiVersion = obj.ApiVersion;
        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            var entity = ResourceKinds.EntityOf(obj.GetType());
            kind = string.IsNullOrEmpty(kind) ? entity?.Kind : kind;
            apiVersion = string.IsNullOrEmpty(apiVersion) ? ApiVersionOf(entity) : apiVersion;
        }

        return new V1ObjectReference
        {
            ApiVersion = apiVersion,
            Kind = kind,
            Name = obj.Metadata?.Name,
            NamespaceProperty = obj.Metadata?.NamespaceProperty,
            Uid = obj.Metadata?.Uid,
            ResourceVersion = obj.Metadata?.ResourceVersion,
        };
    }

    private static string? ApiVersionOf(KubernetesEntityAttribute? entity) =>
        entity is null ? null : string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";

    /// <summary>Stops accepting events and writes those queued (waiting at most 5 s).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }

        if (await Task.WhenAny(_loop, Task.Delay(DrainTimeout, _time)).ConfigureAwait(false) != _loop)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var o in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (o.Flushed is { } flushed)
            {
                flushed.TrySetResult();
                continue;
            }

            if (_correlator.Observe(o.Involved, o.Type, o.Reason, o.Message, o.At) is not var (evt, isRepeat))
            {
                continue;
            }

            try
            {
                await WriteAsync(evt, isRepeat, o.At, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                EventRecorderLog.WriteFailed(_logger, o.Reason, o.Involved.Kind, o.Involved.NamespaceProperty, o.Involved.Name, e);
            }
        }
    }

    private async Task WriteAsync(Corev1Event evt, bool isRepeat, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var ns = evt.Metadata.NamespaceProperty;
        if (isRepeat)
        {
            var patch = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["count"] = evt.Count,
                ["lastTimestamp"] = evt.LastTimestamp?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["message"] = evt.Message,
            });
            try
            {
                await _client.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), evt.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // The Event expired or was deleted: start a new one under the same name.
                _correlator.Restart(evt, at);
                evt.Count = 1;
                evt.FirstTimestamp = evt.LastTimestamp;
            }
        }

        await _client.CoreV1.CreateNamespacedEventAsync(evt, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <param name="Flushed">Set on a flush marker instead of an event: completed when the loop reaches it.</param>
    private sealed record Occurrence(V1ObjectReference Involved, string Type, string Reason, string Message, DateTimeOffset At, TaskCompletionSource? Flushed = null);
}
