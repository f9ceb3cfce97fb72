using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Sqlite;

/// <summary>Point and range reads, each on a pooled reader inside one WAL snapshot.</summary>
public sealed partial class SqliteStore
{
    private const string SnapshotSql =
        "SELECT (SELECT value FROM meta WHERE key = 'revision'), (SELECT value FROM meta WHERE key = 'compact_revision')";

    private const string GetSql =
        "SELECT l.create_revision, l.id, l.value FROM kv JOIN log l ON l.id = kv.id WHERE kv.name = @name";

    /// <inheritdoc />
    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _readers.Rent();
        try
        {
            var command = connection.Command(GetSql);
            command.Parameters.AddWithValue("@name", key);
            using var reader = command.ExecuteReader();
            KeyValue? result = reader.Read()
                ? new KeyValue(key, SqliteSchema.ReadBytes(reader, 2), reader.GetInt64(0), reader.GetInt64(1))
                : null;
            return Task.FromResult(result);
        }
        finally
        {
            _readers.Return(connection);
        }
    }

    /// <inheritdoc />
    public Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prefix, nameof(request.Prefix));
        ArgumentOutOfRangeException.ThrowIfNegative(request.Limit, nameof(request.Limit));
        ArgumentOutOfRangeException.ThrowIfNegative(request.Revision, nameof(request.Revision));
        cancellationToken.ThrowIfCancellationRequested();

        var connection = _readers.Rent();
        try
        {
            connection.Begin();
            try
            {
                return Task.FromResult(RangeInSnapshot(connection, request));
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

    private static RangeResult RangeInSnapshot(ReadConnection connection, RangeRequest request)
    {
        var (current, compacted) = ReadSnapshot(connection);
        var revision = request.Revision == 0 ? current : request.Revision;
        if (revision > current)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Revision, $"revision {request.Revision} is newer than the current revision {current}");
        }

        if (revision < compacted)
        {
            throw new StoreCompactedException(revision, compacted);
        }

        var atCurrent = revision == current;
        var after = request.StartAfterKey is null ? string.Empty : " AND name > @after";
        var matching = atCurrent
            ? $"SELECT name, id FROM kv WHERE name >= @prefix AND name < {SqliteSchema.PrefixEnd}{after}"
            : $"SELECT name, MAX(id) AS id FROM log WHERE name >= @prefix AND name < {SqliteSchema.PrefixEnd}{after} AND id <= @rev GROUP BY name";
        var live = atCurrent
            ? $"({matching}) m JOIN log l ON l.id = m.id"
            : $"({matching}) m JOIN log l ON l.id = m.id AND l.deleted = 0";

        if (request.CountOnly)
        {
            return new RangeResult([], revision, false, Count(connection, live, request, revision));
        }

        var command = Bind(connection.Command($"SELECT l.name, l.create_revision, l.id, l.value FROM {live} ORDER BY m.name LIMIT @limit"), request, revision);
        command.Parameters.AddWithValue("@limit", request.Limit == 0 ? -1 : request.Limit);
        var items = new List<KeyValue>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(new KeyValue(reader.GetString(0), SqliteSchema.ReadBytes(reader, 3), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        // Only a full page can have more behind it; counting is then worth a second scan.
        var count = request.Limit != 0 && items.Count == request.Limit ? Count(connection, live, request, revision) : items.Count;
        return new RangeResult(items, revision, count > items.Count, count);
    }

    private static long Count(ReadConnection connection, string live, RangeRequest request, long revision)
    {
        var command = Bind(connection.Command($"SELECT COUNT(*) FROM {live}"), request, revision);
        return (long)command.ExecuteScalar()!;
    }

    private static SqliteCommand Bind(SqliteCommand command, RangeRequest request, long revision)
    {
        command.Parameters.AddWithValue("@prefix", request.Prefix);
        command.Parameters.AddWithValue("@rev", revision);
        if (request.StartAfterKey is not null)
        {
            command.Parameters.AddWithValue("@after", request.StartAfterKey);
        }

        return command;
    }

    private static (long Current, long Compacted) ReadSnapshot(ReadConnection connection)
    {
        using var reader = connection.Command(SnapshotSql).ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
