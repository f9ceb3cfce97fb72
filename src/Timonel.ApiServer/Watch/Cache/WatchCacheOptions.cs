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
    /// Whether a list without resourceVersion may be served from the cache. Only when this server
    /// is the store's only writer: it then knows the newest write of each resource (its own) and
    /// waits for the cache to reach it. With a shared datastore another server's write is unknown
    /// here, so such lists read the store (upstream asks etcd for a progress notification).
    /// </summary>
    public bool ConsistentReadsFromCache { get; init; } = true;
}
