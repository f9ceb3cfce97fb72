using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// Removes superseded history, kine style. The compacted revision is recorded first, in its
/// own transaction, so a reader whose snapshot sees old rows also sees the old bound and one
/// that sees the new bound refuses to read below it. Rows are then deleted in slices of
/// revisions (each slice one short transaction on the writer connection, so group commits
/// interleave): for every row in the slice, the row it superseded, and the row itself when it
/// is a delete tombstone. Progress is stored with each slice, so a compaction cut short by a
/// crash resumes. Finally free pages are returned to the file system and the WAL truncated.
/// </summary>
internal sealed class SqliteCompactor
{
    private const int VacuumPagesPerStep = 2_048;
    private const int MaxVacuumSteps = 64;

    private readonly SqliteWriter _writer;
    private readonly ILogger _logger;
    private readonly int _batchRevisions;
    private readonly TimeSpan _busyTimeout;
    private readonly SemaphoreSlim _serial = new(1, 1);
    private long _compactedRevision;

    public SqliteCompactor(SqliteWriter writer, long compactedRevision, int batchRevisions, TimeSpan busyTimeout, ILogger logger)
    {
        _writer = writer;
        _compactedRevision = compactedRevision;
        _batchRevisions = batchRevisions;
        _busyTimeout = busyTimeout;
        _logger = logger;
    }

    public long CompactedRevision => Volatile.Read(ref _compactedRevision);

    /// <summary>Compacts up to <paramref name="revision"/>; at or below the compacted revision it only finishes an interrupted run.</summary>
    public async Task CompactAsync(long revision, CancellationToken cancellationToken)
    {
        var current = _writer.Revision;
        if (revision > current)
        {
            throw new ArgumentOutOfRangeException(nameof(revision), revision, $"cannot compact at revision {revision}: the current revision is {current}");
        }

        await _serial.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            if (revision > CompactedRevision)
            {
                await _writer.RunExclusiveAsync(c => RecordTarget(c, revision), cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _compactedRevision, revision);
            }

            var target = CompactedRevision;
            var progress = await _writer.RunExclusiveAsync(c => SqliteSchema.ReadMeta(c, SqliteSchema.CompactProgressKey), cancellationToken).ConfigureAwait(false);
            if (progress >= target)
            {
                return;
            }

            long deleted = 0;
            while (progress < target)
            {
                var low = progress;
                var high = Math.Min(target, low + _batchRevisions);
                deleted += await _writer.RunExclusiveAsync(c => DeleteSlice(c, low, high), cancellationToken).ConfigureAwait(false);
                progress = high;
            }

            await ReclaimSpaceAsync(cancellationToken).ConfigureAwait(false);
            SqliteStoreLog.Compacted(_logger, target, deleted, stopwatch.ElapsedMilliseconds);
        }
        finally
        {
            _serial.Release();
        }
    }

    private static int RecordTarget(SqliteConnection connection, long revision)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE meta SET value = @value WHERE key = 'compact_revision' AND value < @value";
        command.Parameters.AddWithValue("@value", revision);
        var changed = command.ExecuteNonQuery();
        transaction.Commit();
        return changed;
    }

    private static long DeleteSlice(SqliteConnection connection, long low, long high)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("@low", low);
        command.Parameters.AddWithValue("@high", high);

        // Superseded rows first: the tombstones deleted next still point at their predecessors.
        command.CommandText = "DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id > @low AND id <= @high AND prev_revision > 0)";
        long deleted = command.ExecuteNonQuery();
        command.CommandText = "DELETE FROM log WHERE id > @low AND id <= @high AND deleted = 1";
        deleted += command.ExecuteNonQuery();
        command.CommandText = "UPDATE meta SET value = @high WHERE key = 'compact_progress'";
        command.ExecuteNonQuery();
        transaction.Commit();
        return deleted;
    }

    private async Task ReclaimSpaceAsync(CancellationToken cancellationToken)
    {
        // Give free pages back in steps, so each holds the writer only briefly.
        for (var step = 0; step < MaxVacuumSteps; step++)
        {
            var free = await _writer.RunExclusiveAsync(
                c =>
                {
                    SqliteSchema.Execute(c, $"PRAGMA incremental_vacuum({VacuumPagesPerStep});");
                    return SqliteSchema.Scalar(c, "PRAGMA freelist_count;") is long n ? n : 0;
                },
                cancellationToken).ConfigureAwait(false);
            if (free == 0)
            {
                break;
            }
        }

        // TRUNCATE waits for readers to leave the WAL; a short wait keeps writers from stalling
        // behind a slow reader, and a checkpoint that could not finish is simply retried next time.
        await _writer.RunExclusiveAsync(
            c =>
            {
                SqliteSchema.Execute(c, "PRAGMA busy_timeout = 200;");
                try
                {
                    using var command = c.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                    using var reader = command.ExecuteReader();
                    if (reader.Read() && reader.GetInt64(0) != 0)
                    {
                        SqliteStoreLog.CheckpointBusy(_logger, reader.GetInt64(1), reader.GetInt64(2));
                    }
                }
                finally
                {
                    SqliteSchema.Execute(c, $"PRAGMA busy_timeout = {(long)_busyTimeout.TotalMilliseconds};");
                }

                return 0;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
