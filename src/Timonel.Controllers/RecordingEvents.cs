using System.Collections.Concurrent;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;

namespace Timonel.Controllers;

/// <summary>Controller events written to the API through one aggregating EventRecorder per reporting component.</summary>
public sealed class RecordingEvents(IKubernetes client, ILoggerFactory loggers, TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, EventRecorder> _recorders = new(StringComparer.Ordinal);

    public ControllerEvents Events => new((obj, component, type, reason, message) =>
        _recorders.GetOrAdd(component, c => new EventRecorder(client, c, null, loggers.CreateLogger("events"), time)).Event(obj, type, reason, message));

    public async ValueTask DisposeAsync()
    {
        foreach (var recorder in _recorders.Values)
        {
            await recorder.DisposeAsync().ConfigureAwait(false);
        }
    }
}
