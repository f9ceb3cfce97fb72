using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// The on-disk layout, kine style: <c>log</c> is an append-only log whose rowid is the
/// revision, one row per write (create, update, or delete tombstone), carrying the key's
/// create revision and the revision of the row it supersedes. A key's live value is its
/// newest row. Reading "newest row per key" off the log alone costs a scan of every history
/// row under the prefix, so <c>kv</c> (key → id of its newest row, live keys only) is kept in
/// the same transaction as each write: a range at the current revision walks <c>kv</c> in key
/// order and fetches each value by rowid, whatever the history. Older revisions are read from
/// the log through the (name, id) index. <c>meta</c> holds the current and compacted revisions.
/// </summary>
internal static class SqliteSchema
{
    public const string RevisionKey = "revision";
    public const string CompactRevisionKey = "compact_revision";
    public const string CompactProgressKey = "compact_progress";

    /// <summary>
    /// Upper bound for a prefix scan: SQLite compares TEXT bytewise (UTF-8), and 0xFF never
    /// occurs in UTF-8, so every key starting with the prefix sorts below prefix||0xFF and
    /// every larger key not starting with it sorts above.
    /// </summary>
    public const string PrefixEnd = "(@prefix || x'ff')";

    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS log (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            created INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision INTEGER NOT NULL,
            value BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
        CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta (key, value) VALUES ('revision', 0), ('compact_revision', 0), ('compact_progress', 0);
        """;

    public static string ConnectionString(string path, bool readOnly) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = false,
    }.ToString();

    /// <summary>Opens the one writer connection, creating and migrating the file as needed.</summary>
    public static SqliteConnection OpenWriter(string path, TimeSpan busyTimeout)
    {
        var connection = new SqliteConnection(ConnectionString(path, readOnly: false));
        connection.Open();
        try
        {
            // auto_vacuum only takes effect before the first table exists, so it comes first.
            Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL;");
            Execute(connection, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds};");
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL;");
            if (!string.Equals(mode as string, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreUnavailableException($"SQLite refused WAL journal mode for {path} (got '{mode}')");
            }

            // FULL: the WAL is synced on every commit, so an acknowledged write survives power loss.
            Execute(connection, "PRAGMA synchronous = FULL;");
            // After a checkpoint resets the WAL, shrink it back instead of keeping its peak size.
            Execute(connection, "PRAGMA journal_size_limit = 67108864;");
            Execute(connection, CreateTables);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens a read-only connection: WAL readers see a snapshot and never wait on the writer.</summary>
    public static SqliteConnection OpenReader(string path, TimeSpan busyTimeout)
    {
        var connection = new SqliteConnection(ConnectionString(path, readOnly: true));
        connection.Open();
        try
        {
            Execute(connection, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds};");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static long ReadMeta(SqliteConnection connection, string key)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = @key";
        command.Parameters.AddWithValue("@key", key);
        return command.ExecuteScalar() is long value ? value : 0;
    }

    /// <summary>Reads a BLOB column; SQLite may hand back an empty blob as NULL.</summary>
    public static byte[] ReadBytes(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : (byte[])reader.GetValue(ordinal);
}
