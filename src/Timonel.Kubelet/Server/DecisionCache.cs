namespace Timonel.Kubelet.Server;

/// <summary>
/// Remembers review answers for a while, as upstream's kubelet caches webhook decisions, so a
/// scraper every few seconds does not cost the API server two reviews per scrape. Holds at most
/// <see cref="Capacity"/> entries: when full, expired ones go, and if none had expired everything
/// goes (answers are cheap to ask again). Thread-safe.
/// </summary>
public sealed class DecisionCache<T>(TimeProvider time)
{
    /// <summary>The most answers kept (docs/limits.md).</summary>
    public const int Capacity = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (T Value, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string key, out T value)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Expires > time.GetUtcNow())
            {
                value = entry.Value;
                return true;
            }

            value = default!;
            return false;
        }
    }

    public void Set(string key, T value, TimeSpan ttl)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_entries.Count >= Capacity && !_entries.ContainsKey(key))
            {
                foreach (var expired in _entries.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList())
                {
                    _entries.Remove(expired);
                }

                if (_entries.Count >= Capacity)
                {
                    _entries.Clear();
                }
            }

            _entries[key] = (value, now + ttl);
        }
    }
}
