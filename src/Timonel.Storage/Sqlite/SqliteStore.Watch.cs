using System.Runtime.CompilerServices;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// Watches: history replayed from the log, then live events from the in-memory broadcaster.
/// </summary>
/// <remarks>
/// No gap, no duplicate: the watcher subscribes to live events before it reads the revision
/// up to which it replays, so every write is either in the replay (revision ≤ that bound) or
/// published to the subscription afterwards; live events at or below the bound are dropped.
/// The replay is read in pages, each its own short snapshot, so a slow consumer never holds a
/// read transaction open (which would stop WAL checkpoints).
/// </remarks>
public sealed partial class SqliteStore
{
    private const int ReplayPageSize = 512;

    private static readonly string ReplaySql = $"""
        SELECT l.id, l.name, l.created, l.deleted, l.create_revision, l.prev_revision, l.value, p.create_revision, p.value
        FROM log l LEFT JOIN log p ON p.id = l.prev_revision
        WHERE l.id > @after AND l.id <= @upto AND l.name >= @prefix AND l.name < {SqliteSchema.PrefixEnd}
        ORDER BY l.id LIMIT {ReplayPageSize}
        """;

    /// <inheritdoc />
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);

        var subscription = _broadcaster.Subscribe(prefix);
        try
        {
            long replayedUpTo;
            if (afterRevision == 0)
            {
                replayedUpTo = _writer.Revision;
            }
            else
            {
                var cursor = afterRevision;
                long upTo = -1;
                while (true)
                {
                    var page = ReadReplayPage(prefix, cursor, ref upTo);
                    foreach (var e in page)
                    {
                        yield return e;
                    }

                    if (page.Count < ReplayPageSize)
                    {
                        break;
                    }

                    cursor = page[^1].Revision;
                }

                replayedUpTo = Math.Max(afterRevision, upTo);
            }

            await foreach (var e in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e.Revision > replayedUpTo)
                {
                    yield return e;
                }
            }
        }
        finally
        {
            _broadcaster.Unsubscribe(subscription);
        }
    }

    /// <summary>
    /// Reads one page of history after <paramref name="cursor"/>. The first call fixes
    /// <paramref name="upTo"/> to the snapshot's revision. Throws when the history after the
    /// cursor has been compacted (before the first event, or under a slow replay).
    /// </summary>
    private List<WatchEvent> ReadReplayPage(string prefix, long cursor, ref long upTo)
    {
        ThrowIfDisposed();
        var connection = _readers.Rent();
        try
        {
            connection.Begin();
            try
            {
                var (current, compacted) = ReadSnapshot(connection);
                if (cursor < compacted)
                {
                    throw new StoreCompactedException(cursor, compacted);
                }

                if (upTo < 0)
                {
                    upTo = current;
                }

                var command = connection.Command(ReplaySql);
                command.Parameters.AddWithValue("@after", cursor);
                command.Parameters.AddWithValue("@upto", upTo);
                command.Parameters.AddWithValue("@prefix", prefix);
                var page = new List<WatchEvent>();
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    page.Add(ToEvent(reader));
                }

                return page;
            }
            finally
            {
                connection.Commit();
            }
        }
        finally
        {
            _readers.Return(connection);
        }
    }

    private static WatchEvent ToEvent(Microsoft.Data.Sqlite.SqliteDataReader reader)
    {
        var revision = reader.GetInt64(0);
        var key = reader.GetString(1);
        var created = reader.GetInt64(2) != 0;
        var deleted = reader.GetInt64(3) != 0;
        var previous = reader.IsDBNull(7) || created
            ? null
            : new KeyValue(key, SqliteSchema.ReadBytes(reader, 8), reader.GetInt64(7), reader.GetInt64(5));
        return deleted
            ? new WatchEvent(WatchEventType.Delete, new KeyValue(key, ReadOnlyMemory<byte>.Empty, 0, revision), previous)
            : new WatchEvent(WatchEventType.Put, new KeyValue(key, SqliteSchema.ReadBytes(reader, 6), reader.GetInt64(4), revision), previous);
    }
}
