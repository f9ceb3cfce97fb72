namespace Timonel.ApiServer.Watch.Cache;

/// <summary>Sizes and waits of the watch cache (docs/limits.md, "Watch cache").</summary>
internal sealed record WatchCacheOptions
{
    /// <summary>Recent events kept per resource for watches that start at an older resourceVersion.</summary>
    public int WindowEvents { get; init; } = 4096;

    /// <summary>Events queued for one client watch before it is closed as too slow.</summary>
    public int WatcherBufferEvents { get; init; } = 1024;

    /// <summary>How long a read waits for the cache to reach a revision before it goes to the store (upstream waits 3 s, then answers 504 or falls back).</summary>
    public TimeSpan FreshnessWait { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Pause before the store watch is opened again after a failure.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Whether a list without resourceVersion (and, on a shared datastore, a get without one) may
    /// be served from the cache. When this server is the store's only writer it knows the newest
    /// write of each resource (its own) and waits for the cache to reach it. On a shared datastore
    /// it reads the store's current revision and waits for the cache to reach that, asking the
    /// store for progress (etcd's progress notifications); a store that cannot report progress
    /// is read instead.
    /// </summary>
    public bool ConsistentReadsFromCache { get; init; } = true;

    /// <summary>Other API servers write the same store (a --datastore-endpoint): this server does not know every write.</summary>
    public bool SharedDatastore { get; init; }

    /// <summary>How often a consistent read that waits asks the store for progress again when unanswered (upstream: 100 ms).</summary>
    public TimeSpan ProgressRequestInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
