using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Sqlite;

/// <summary>The store's log messages, defined once.</summary>
internal static partial class SqliteStoreLog
{
    [LoggerMessage(1, LogLevel.Information, "sqlite-store opened {Path} at revision {Revision} (compacted at {CompactedRevision})")]
    public static partial void Opened(ILogger logger, string path, long revision, long compactedRevision);

    [LoggerMessage(2, LogLevel.Trace, "sqlite-store committed {Writes} writes, revision now {Revision}")]
    public static partial void Committed(ILogger logger, int writes, long revision);

    [LoggerMessage(3, LogLevel.Error, "sqlite-store failed to commit {Writes} writes; they were rolled back")]
    public static partial void CommitFailed(ILogger logger, int writes, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "sqlite-store compacted history up to revision {Revision}: {DeletedRows} rows removed in {ElapsedMs} ms")]
    public static partial void Compacted(ILogger logger, long revision, long deletedRows, long elapsedMs);

    [LoggerMessage(5, LogLevel.Warning, "sqlite-store background compaction failed; it will retry next interval")]
    public static partial void CompactionFailed(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Debug, "sqlite-store WAL checkpoint could not finish while readers were active (WAL {WalPages} pages, {CheckpointedPages} checkpointed)")]
    public static partial void CheckpointBusy(ILogger logger, long walPages, long checkpointedPages);

    [LoggerMessage(7, LogLevel.Information, "sqlite-store closed {Path} at revision {Revision}")]
    public static partial void Closed(ILogger logger, string path, long revision);
}
