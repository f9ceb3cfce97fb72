namespace Timonel.Client.Events;

/// <summary>
/// Drops events about one object once it has produced too many, as client-go's source/object spam
/// filter does: a token bucket per (source, involved object, type) holding 25 tokens, refilled at
/// one per 5 minutes. Single-threaded: only the recorder's loop calls it.
/// </summary>
internal sealed class EventSpamFilter
{
    public const int Burst = 25;

    public static readonly TimeSpan RefillEvery = TimeSpan.FromMinutes(5);

    private const int MaxEntries = 4096;

    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>True when the event may be sent (a token was taken).</summary>
    public bool Allow(string spamKey, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(spamKey, out var bucket))
        {
            if (_buckets.Count >= MaxEntries)
            {
                // Buckets full again are no different from new ones: forget them first.
                foreach (var (key, b) in _buckets)
                {
                    if (Tokens(b, now) >= Burst)
                    {
                        _buckets.Remove(key);
                    }
                }

                if (_buckets.Count >= MaxEntries)
                {
                    _buckets.Clear();
                }
            }

            bucket = new Bucket(Burst, now);
        }

        var tokens = Tokens(bucket, now);
        if (tokens < 1)
        {
            _buckets[spamKey] = new Bucket(tokens, now);
            return false;
        }

        _buckets[spamKey] = new Bucket(tokens - 1, now);
        return true;
    }

    private static double Tokens(Bucket bucket, DateTimeOffset now) =>
        Math.Min(Burst, bucket.Tokens + Math.Max(0, (now - bucket.At).TotalSeconds / RefillEvery.TotalSeconds));

    private sealed record Bucket(double Tokens, DateTimeOffset At);
}
