using k8s.Models;

namespace Timonel.Client.Events;

/// <summary>
/// Decides whether an event repeats one already sent (same involved object, type, reason, message
/// and source within <see cref="Window"/>): a repeat reuses the Event's name and bumps its count,
/// as upstream's event logger does. Single-threaded: only the recorder's loop calls it.
/// </summary>
internal sealed class EventCorrelator(string component, string host)
{
    /// <summary>How long after the last occurrence a repeat still counts on the same Event.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    // Upstream's LRU holds 4096 entries; past that, expired entries are pruned, then all if need be.
    private const int MaxEntries = 4096;

    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);

    /// <summary>The Event to write for this occurrence and whether it updates an existing one.</summary>
    public (Corev1Event Event, bool IsRepeat) Observe(V1ObjectReference involved, string type, string reason, string message, DateTimeOffset now)
    {
        var key = string.Join('\u0000', component, host, involved.Kind, involved.NamespaceProperty, involved.Name, involved.FieldPath, involved.Uid, involved.ApiVersion, type, reason, message);
        var repeat = _seen.TryGetValue(key, out var seen) && now - seen.LastAt <= Window;
        if (!repeat)
        {
            Prune(now);
            seen = new Seen($"{involved.Name}.{UnixNanos(now):x}", now, 0, now);
        }

        seen = seen! with { Count = seen.Count + 1, LastAt = now };
        _seen[key] = seen;
        var evt = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = seen.Name, NamespaceProperty = string.IsNullOrEmpty(involved.NamespaceProperty) ? "default" : involved.NamespaceProperty },
            InvolvedObject = involved,
            Type = type,
            Reason = reason,
            Message = message,
            Count = seen.Count,
            FirstTimestamp = seen.FirstAt.UtcDateTime,
            LastTimestamp = now.UtcDateTime,
            Source = new V1EventSource { Component = component, Host = string.IsNullOrEmpty(host) ? null : host },
            ReportingComponent = component,
            ReportingInstance = host,
        };
        return (evt, repeat);
    }

    /// <summary>Forgets an aggregation, e.g. when its Event vanished and a new one is created in its place.</summary>
    public void Restart(Corev1Event evt, DateTimeOffset now)
    {
        var entry = _seen.FirstOrDefault(e => e.Value.Name == evt.Metadata.Name);
        if (entry.Value is not null)
        {
            _seen[entry.Key] = entry.Value with { Count = 1, FirstAt = now };
        }
    }

    private void Prune(DateTimeOffset now)
    {
        if (_seen.Count < MaxEntries)
        {
            return;
        }

        foreach (var (key, seen) in _seen)
        {
            if (now - seen.LastAt > Window)
            {
                _seen.Remove(key);
            }
        }

        if (_seen.Count >= MaxEntries)
        {
            _seen.Clear();
        }
    }

    private static long UnixNanos(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    private sealed record Seen(string Name, DateTimeOffset FirstAt, int Count, DateTimeOffset LastAt);
}
