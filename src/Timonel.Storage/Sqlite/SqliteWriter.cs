using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// The single writer: owns the process's only read-write connection and commits queued
/// writes in groups. Each turn takes every write waiting (up to a cap), applies them in one
/// transaction, syncs once, then publishes their events and completes their tasks, so one
/// fsync is shared by every concurrent writer. Other exclusive work (compaction) runs between
/// turns through <see cref="RunExclusiveAsync{T}"/>.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private readonly WatchBroadcaster _broadcaster;
    private readonly ILogger _logger;
    private readonly int _maxWritesPerCommit;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _selectCurrent;
    private readonly SqliteCommand _insertLog;
    private readonly SqliteCommand _upsertKv;
    private readonly SqliteCommand _deleteKv;
    private readonly SqliteCommand _setRevision;
    private readonly Task _loop;
    private long _revision;

    public SqliteWriter(SqliteConnection connection, WatchBroadcaster broadcaster, int maxWritesPerCommit, ILogger logger)
    {
        _connection = connection;
        _broadcaster = broadcaster;
        _maxWritesPerCommit = maxWritesPerCommit;
        _logger = logger;
        _revision = SqliteSchema.ReadMeta(connection, SqliteSchema.RevisionKey);
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _selectCurrent = Prepare("SELECT kv.id, l.create_revision, l.value FROM kv JOIN log l ON l.id = kv.id WHERE kv.name = @name", "@name");
        _insertLog = Prepare(
            "INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value) VALUES (@id, @name, @created, @deleted, @create, @prev, @value)",
            "@id", "@name", "@created", "@deleted", "@create", "@prev", "@value");
        _upsertKv = Prepare("INSERT INTO kv (name, id) VALUES (@name, @id) ON CONFLICT (name) DO UPDATE SET id = excluded.id", "@name", "@id");
        _deleteKv = Prepare("DELETE FROM kv WHERE name = @name", "@name");
        _setRevision = Prepare("UPDATE meta SET value = @value WHERE key = 'revision'", "@value");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The revision of the newest committed write.</summary>
    public long Revision => Volatile.Read(ref _revision);

    public Task<WriteResult> EnqueueAsync(PendingWrite write)
    {
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteStore));
        }

        return write.Completion.Task;
    }

    /// <summary>Runs <paramref name="work"/> on the writer connection between group commits.</summary>
    public async Task<T> RunExclusiveAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work(_connection);
        }
        finally
        {
            _exclusive.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        foreach (var command in new[] { _begin, _commit, _rollback, _selectCurrent, _insertLog, _upsertKv, _deleteKv, _setRevision })
        {
            command.Dispose();
        }

        _exclusive.Dispose();
        // Closing the writer releases the file, so a snapshot restore can tell it is no longer in use.
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(_maxWritesPerCommit);
        var events = new List<WatchEvent>(_maxWritesPerCommit);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            events.Clear();
            await _exclusive.WaitAsync().ConfigureAwait(false);
            Exception? failure = null;
            try
            {
                while (batch.Count < _maxWritesPerCommit && _queue.Reader.TryRead(out var write))
                {
                    // A write whose caller gave up before its turn is dropped, never half-done.
                    if (write.CancellationToken.IsCancellationRequested)
                    {
                        write.Completion.TrySetCanceled(write.CancellationToken);
                        continue;
                    }

                    batch.Add(write);
                }

                if (batch.Count > 0)
                {
                    failure = Commit(batch, events);
                }
            }
            finally
            {
                _exclusive.Release();
            }

            if (failure is not null)
            {
                var error = new StoreUnavailableException($"sqlite store: write failed: {failure.Message}", failure);
                foreach (var write in batch)
                {
                    write.Completion.TrySetException(error);
                }

                continue;
            }

            _broadcaster.Publish(events);
            foreach (var write in batch)
            {
                write.Completion.TrySetResult(write.Result!);
            }
        }
    }

    /// <summary>Applies a batch in one transaction; returns the error that rolled it back, if any.</summary>
    private Exception? Commit(List<PendingWrite> batch, List<WatchEvent> events)
    {
        var startRevision = _revision;
        var revision = startRevision;
        try
        {
            _begin.ExecuteNonQuery();
            foreach (var write in batch)
            {
                Apply(write, ref revision, events);
            }

            if (revision != startRevision)
            {
                _setRevision.Parameters[0].Value = revision;
                _setRevision.ExecuteNonQuery();
            }

            _commit.ExecuteNonQuery();
            var committedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var i = 0; i < events.Count; i++)
            {
                events[i] = events[i] with { CommittedAt = committedAt };
            }

            Volatile.Write(ref _revision, revision);
            SqliteStoreLog.Committed(_logger, batch.Count, revision);
            return null;
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            events.Clear();
            SqliteStoreLog.CommitFailed(_logger, batch.Count, e);
            try
            {
                if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
                {
                    _rollback.ExecuteNonQuery();
                }
            }
            catch (SqliteException rollbackError)
            {
                SqliteStoreLog.CommitFailed(_logger, batch.Count, rollbackError);
            }

            return e;
        }
    }

    private void Apply(PendingWrite write, ref long revision, List<WatchEvent> events)
    {
        var current = ReadCurrent(write.Key);
        switch (write.Kind)
        {
            case WriteKind.Create:
                if (current is not null)
                {
                    write.Result = new WriteResult(false, revision, current);
                    return;
                }

                revision++;
                InsertLog(revision, write.Key, created: true, deleted: false, createRevision: revision, prevRevision: 0, write.Value);
                UpsertKv(write.Key, revision);
                var created = new KeyValue(write.Key, write.Value, revision, revision);
                write.Result = new WriteResult(true, revision, created);
                events.Add(new WatchEvent(WatchEventType.Put, created, null));
                return;

            case WriteKind.Update:
                if (current is null || (write.ExpectedModRevision != 0 && current.ModRevision != write.ExpectedModRevision))
                {
                    write.Result = new WriteResult(false, revision, current);
                    return;
                }

                revision++;
                InsertLog(revision, write.Key, created: false, deleted: false, current.CreateRevision, current.ModRevision, write.Value);
                UpsertKv(write.Key, revision);
                var updated = new KeyValue(write.Key, write.Value, current.CreateRevision, revision);
                write.Result = new WriteResult(true, revision, updated);
                events.Add(new WatchEvent(WatchEventType.Put, updated, current));
                return;

            case WriteKind.Delete:
                if (current is null || (write.ExpectedModRevision != 0 && current.ModRevision != write.ExpectedModRevision))
                {
                    write.Result = new WriteResult(false, revision, current);
                    return;
                }

                revision++;
                InsertLog(revision, write.Key, created: false, deleted: true, current.CreateRevision, current.ModRevision, []);
                _deleteKv.Parameters[0].Value = write.Key;
                _deleteKv.ExecuteNonQuery();
                write.Result = new WriteResult(true, revision, current);
                events.Add(new WatchEvent(WatchEventType.Delete, new KeyValue(write.Key, ReadOnlyMemory<byte>.Empty, 0, revision), current));
                return;

            default:
                throw new InvalidOperationException($"unknown write kind {write.Kind}");
        }
    }

    private KeyValue? ReadCurrent(string key)
    {
        _selectCurrent.Parameters[0].Value = key;
        using var reader = _selectCurrent.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new KeyValue(key, SqliteSchema.ReadBytes(reader, 2), reader.GetInt64(1), reader.GetInt64(0));
    }

    private void InsertLog(long id, string key, bool created, bool deleted, long createRevision, long prevRevision, byte[] value)
    {
        var p = _insertLog.Parameters;
        p[0].Value = id;
        p[1].Value = key;
        p[2].Value = created ? 1 : 0;
        p[3].Value = deleted ? 1 : 0;
        p[4].Value = createRevision;
        p[5].Value = prevRevision;
        p[6].Value = value;
        _insertLog.ExecuteNonQuery();
    }

    private void UpsertKv(string key, long id)
    {
        _upsertKv.Parameters[0].Value = key;
        _upsertKv.Parameters[1].Value = id;
        _upsertKv.ExecuteNonQuery();
    }
}
