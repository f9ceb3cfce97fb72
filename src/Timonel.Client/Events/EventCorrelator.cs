using k8s.Models;

namespace Timonel.Client.Events;

/// <summary>
/// Decides what to write for an event, as upstream's event correlator does, in its order: after
/// <see cref="MaxSimilar"/> events that differ only in message (same source, object, type and
/// reason; the field path is not part of it) within <see cref="Window"/>, further ones are
/// combined into one Event ("(combined from similar events): ..."); a repeat (same object and
/// field path, type, reason, message and source, or the same combined event) reuses the Event's
/// name and bumps its count; last, the spam filter drops events of an object (whatever their
/// type or reason) that has sent too many. As upstream, a dropped occurrence still counts in the
/// aggregation, so the next written repeat carries the full count.
/// Single-threaded: only the recorder's loop calls it.
/// </summary>
internal sealed class EventCorrelator(string component, string host)
{
    /// <summary>How long after the last occurrence a repeat still counts on the same Event.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    // Upstream's LRU holds 4096 entries; past that, expired entries are pruned, then all if need be.
    private const int MaxEntries = 4096;

    /// <summary>Distinct messages of similar events before they are combined (upstream's maxEvents).</summary>
    public const int MaxSimilar = 10;

    private const string CombinedPrefix = "(combined from similar events): ";

    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Similar> _similar = new(StringComparer.Ordinal);
    private readonly EventSpamFilter _spam = new();
    private long _lastNanos;

    /// <summary>The Event to write for this occurrence and whether it updates an existing one.</summary>
    /// <returns>Null when the spam filter drops the event.</returns>
    public (Corev1Event Event, bool IsRepeat)? Observe(V1ObjectReference involved, string type, string reason, string message, DateTimeOffset now)
    {
        var spamKey = string.Join('\u0000', component, host, involved.Kind, involved.NamespaceProperty, involved.Name, involved.Uid, involved.ApiVersion);
        var similarKey = string.Join('\u0000', spamKey, type, reason);
        var key = string.Join('\u0000', spamKey, involved.FieldPath, type, reason, message);
        if (Combine(similarKey, message, now))
        {
            key = string.Join('\u0000', similarKey, "combined");
            message = CombinedPrefix + message;
        }

        var repeat = _seen.TryGetValue(key, out var seen) && now - seen.LastAt <= Window;
        if (!repeat)
        {
            Prune(now);
            seen = new Seen($"{involved.Name}.{NextNanos(now):x}", now, 0, now);
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
            ReportingInstance = string.IsNullOrEmpty(host) ? null : host,
        };
        return _spam.Allow(spamKey, now) ? (evt, repeat) : null;
    }

    /// <summary>Records a message among its similar events; true once they are to be combined.</summary>
    private bool Combine(string similarKey, string message, DateTimeOffset now)
    {
        if (!_similar.TryGetValue(similarKey, out var similar) || now - similar.LastAt > Window)
        {
            if (_similar.Count >= MaxEntries)
            {
                _similar.Clear();
            }

            similar = new Similar(new HashSet<string>(StringComparer.Ordinal), now);
        }

        similar.Messages.Add(message);
        _similar[similarKey] = similar with { LastAt = now };
        return similar.Messages.Count >= MaxSimilar;
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

    /// <summary>
    /// Upstream's name suffix, the time in Unix nanoseconds — made strictly increasing: two events
    /// in one clock tick (100 ns here, or a frozen test clock) would otherwise share a name and the
    /// second create would fail with AlreadyExists.
    /// </summary>
    private long NextNanos(DateTimeOffset t)
    {
        _lastNanos = Math.Max((t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100, _lastNanos + 1);
        return _lastNanos;
    }

    private sealed record Similar(HashSet<string> Messages, DateTimeOffset LastAt);

    private sealed record Seen(string Name, DateTimeOffset FirstAt, int Count, DateTimeOffset LastAt);
}
