namespace Timonel.Kubelet.Pods;

/// <summary>
/// Per-key exponential backoff as upstream's kubelet applies to restarts and image pulls: 10 s,
/// doubling, capped at 5 min; a key untouched for twice the cap starts over.
/// </summary>
public sealed class CrashLoopBackoff
{
    private readonly Dictionary<string, (TimeSpan Delay, DateTimeOffset Last)> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;

    public CrashLoopBackoff(TimeSpan? initial = null, TimeSpan? max = null)
    {
        _initial = initial ?? TimeSpan.FromSeconds(10);
        _max = max ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>True while <paramref name="key"/> must wait; <paramref name="remaining"/> says how long.</summary>
    public bool IsInBackoff(string key, DateTimeOffset now, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        remaining = entry.Last + entry.Delay - now;
        return remaining > TimeSpan.Zero;
    }

    /// <summary>Records one more failure of <paramref name="key"/> at <paramref name="now"/>: the next wait doubles.</summary>
    public TimeSpan Next(string key, DateTimeOffset now)
    {
        var delay = _initial;
        if (_entries.TryGetValue(key, out var entry) && now - entry.Last < _max * 2)
        {
            delay = entry.Delay * 2 > _max ? _max : entry.Delay * 2;
        }

        _entries[key] = (delay, now);
        return delay;
    }

    /// <summary>The delay a failure now would give, without recording it.</summary>
    public TimeSpan Peek(string key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var entry) && now - entry.Last < _max * 2
            ? (entry.Delay * 2 > _max ? _max : entry.Delay * 2)
            : _initial;

    public void Reset(string key) => _entries.Remove(key);
}
