using Microsoft.Extensions.Logging;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Timonel.Storage.Sqlite;

namespace Timonel.Cli;

/// <summary>Opens the datastore named by --datastore-endpoint (empty: SQLite in the data dir).</summary>
internal static class StoreFactory
{
    public static async Task<IStore> OpenAsync(string dataDir, string? endpoint, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            var path = Path.Combine(dataDir, "db", "state.db");
            return await SqliteStore.OpenAsync(path, new SqliteStoreOptions(), loggers.CreateLogger("sqlite-store"), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }

        if (endpoint == "memory://")
        {
            return new MemoryStore();
        }

        throw new ArgumentException($"--datastore-endpoint \"{endpoint}\" is not supported: leave it empty for the embedded SQLite store, or use memory://");
    }
}
