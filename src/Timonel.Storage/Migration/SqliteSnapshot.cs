using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Migration;

/// <summary>
/// Snapshots of the embedded SQLite datastore (DATA_DIR/db/state.db). Saving uses
/// <c>VACUUM INTO</c>, which reads one consistent WAL snapshot, so it is safe while a server
/// runs; restoring replaces the file and refuses while any process has it open.
/// </summary>
public static class SqliteSnapshot
{
    private static readonly string[] RequiredTables = ["kv", "log", "meta"];

    /// <summary>The database file of the server whose data directory is <paramref name="dataDir"/>.</summary>
    public static string DatabasePath(string dataDir) => Path.Combine(dataDir, "db", "state.db");

    /// <summary>Writes a consistent copy of the data dir's database to <paramref name="file"/> (which must not exist).</summary>
    public static async Task SaveAsync(string dataDir, string file, CancellationToken cancellationToken)
    {
        var database = DatabasePath(dataDir);
        if (!File.Exists(database))
        {
            throw new FileNotFoundException($"no SQLite datastore at {database}", database);
        }

        var target = Path.GetFullPath(file);
        if (File.Exists(target))
        {
            throw new IOException($"snapshot file {target} already exists; refusing to overwrite it");
        }

        var directory = Path.GetDirectoryName(target);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = new SqliteConnection(ConnectionString(database, SqliteOpenMode.ReadOnly));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 10000; VACUUM INTO @target;";
        command.Parameters.AddWithValue("@target", target);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the data dir's database with <paramref name="file"/> after checking that it is an
    /// intact Timonel snapshot and that no server has the database open. Returns the snapshot's revision.
    /// </summary>
    public static async Task<long> RestoreAsync(string dataDir, string file, CancellationToken cancellationToken)
    {
        var source = Path.GetFullPath(file);
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"snapshot file {source} does not exist", source);
        }

        var revision = await VerifyAsync(source, cancellationToken).ConfigureAwait(false);
        var database = DatabasePath(dataDir);
        if (File.Exists(database))
        {
            await EnsureNotInUseAsync(database, cancellationToken).ConfigureAwait(false);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        var staging = database + ".restoring";
        File.Copy(source, staging, overwrite: true);
        foreach (var sidecar in new[] { database + "-wal", database + "-shm", database + "-journal" })
        {
            File.Delete(sidecar);
        }

        File.Move(staging, database, overwrite: true);
        return revision;
    }

    /// <summary>Checks the file is an intact SQLite database with Timonel's tables; returns its revision.</summary>
    private static async Task<long> VerifyAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadOnly));
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            var integrity = await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            if (integrity != "ok")
            {
                throw new InvalidDataException($"snapshot {path} is damaged: {integrity}");
            }

            await using var tables = connection.CreateCommand();
            tables.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('kv', 'log', 'meta');";
            if ((long)(await tables.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != RequiredTables.Length)
            {
                throw new InvalidDataException($"{path} is a SQLite database but not a Timonel datastore snapshot (tables {string.Join(", ", RequiredTables)} missing)");
            }

            await using var meta = connection.CreateCommand();
            meta.CommandText = "SELECT value FROM meta WHERE key = 'revision';";
            return await meta.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long revision ? revision : 0;
        }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"{path} is not a valid snapshot: {e.Message}", e);
        }
    }

    /// <summary>
    /// A WAL database can be switched to another journal mode only by its sole user, so a
    /// successful switch proves no server has it open (the restore replaces it right after).
    /// </summary>
    private static async Task EnsureNotInUseAsync(string database, CancellationToken cancellationToken)
    {
        string? mode;
        try
        {
            await using var connection = new SqliteConnection(ConnectionString(database, SqliteOpenMode.ReadWrite));
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = DELETE;";
            // Microsoft.Data.Sqlite retries a busy statement until the command timeout: keep it short.
            command.CommandTimeout = 2;
            mode = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            mode = null;
        }

        if (!string.Equals(mode, "delete", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"the datastore {database} is in use (is a server running on this data dir?); stop it before restoring");
        }
    }

    private static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        Pooling = false,
    }.ToString();
}
