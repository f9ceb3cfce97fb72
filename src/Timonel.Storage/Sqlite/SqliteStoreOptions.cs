namespace Timonel.Storage.Sqlite;

/// <summary>Tuning of the embedded SQLite store; every default suits a single-machine control plane.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>How often the background compactor runs. Default 1 minute; <see cref="TimeSpan.Zero"/> disables it.</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many revisions of history the background compactor keeps (it compacts up to current minus this). Default 10,000.</summary>
    public long RetainedRevisions { get; set; } = 10_000;

    /// <summary>Events buffered per watcher before it is ended with <see cref="StoreWatchLaggedException"/>. Default 10,000.</summary>
    public int WatchBufferSize { get; set; } = 10_000;

    /// <summary>Most writes committed in one transaction (group commit). Default 1,024.</summary>
    public int MaxWritesPerCommit { get; set; } = 1_024;

    /// <summary>Revisions of history examined per compaction transaction, so writers interleave. Default 1,000.</summary>
    public int CompactionBatchRevisions { get; set; } = 1_000;

    /// <summary>How long a connection waits on a lock held by another before failing. Default 10 seconds.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (CompactionInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CompactionInterval), CompactionInterval, "CompactionInterval must be zero (disabled) or positive.");
        }

        if (RetainedRevisions < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RetainedRevisions), RetainedRevisions, "RetainedRevisions must not be negative.");
        }

        if (WatchBufferSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WatchBufferSize), WatchBufferSize, "WatchBufferSize must be at least 1.");
        }

        if (MaxWritesPerCommit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWritesPerCommit), MaxWritesPerCommit, "MaxWritesPerCommit must be at least 1.");
        }

        if (CompactionBatchRevisions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CompactionBatchRevisions), CompactionBatchRevisions, "CompactionBatchRevisions must be at least 1.");
        }

        if (BusyTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "BusyTimeout must be positive.");
        }
    }
}
