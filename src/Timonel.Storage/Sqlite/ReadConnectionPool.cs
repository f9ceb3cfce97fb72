using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// Read-only connections, each with its prepared statements cached. In WAL mode a reader
/// works on a snapshot and never waits for the writer, so reads scale with connections.
/// </summary>
internal sealed class ReadConnectionPool : IDisposable
{
    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private readonly string _path;
    private readonly TimeSpan _busyTimeout;
    private readonly int _maxIdle;
    private int _disposed;

    public ReadConnectionPool(string path, TimeSpan busyTimeout, int maxIdle)
    {
        _path = path;
        _busyTimeout = busyTimeout;
        _maxIdle = maxIdle;
    }

    public ReadConnection Rent()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, typeof(SqliteStore));
        return _idle.TryTake(out var connection) ? connection : new ReadConnection(SqliteSchema.OpenReader(_path, _busyTimeout));
    }

    public void Return(ReadConnection connection)
    {
        if (Volatile.Read(ref _disposed) != 0 || _idle.Count >= _maxIdle || !connection.IsClean)
        {
            connection.Dispose();
            return;
        }

        _idle.Add(connection);
        if (Volatile.Read(ref _disposed) != 0 && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}

/// <summary>One pooled read-only connection and its cached commands.</summary>
internal sealed class ReadConnection : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public ReadConnection(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    /// <summary>False when a transaction was left open (an exception mid-read): such a connection is not reused.</summary>
    public bool IsClean => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) != 0;

    /// <summary>A cached command for <paramref name="sql"/>; parameters are cleared for the caller to set.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    public void Begin() => Command("BEGIN").ExecuteNonQuery();

    public void Commit() => Command("COMMIT").ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        Connection.Dispose();
    }
}
