using Microsoft.Extensions.Logging;
using Timonel.Storage;
using Timonel.Storage.Etcd;
using Timonel.Storage.Memory;
using Timonel.Storage.Sqlite;

namespace Timonel.Cli;

/// <summary>The --datastore-* flags: where the cluster state lives and how to reach it.</summary>
/// <param name="Endpoint">Empty: SQLite in the data dir; memory://; or etcd client URLs, comma-separated.</param>
/// <param name="CaFile">CA bundle for https etcd endpoints.</param>
/// <param name="CertFile">Client certificate for etcd.</param>
/// <param name="KeyFile">Client key for etcd.</param>
internal sealed record DatastoreSettings(string? Endpoint, string? CaFile = null, string? CertFile = null, string? KeyFile = null)
{
    public bool IsEtcd => !string.IsNullOrEmpty(Endpoint) && Endpoint != "memory://";

    public EtcdStoreOptions EtcdOptions() => new()
    {
        Endpoints = EtcdStoreOptions.ParseEndpoints(Endpoint ?? string.Empty),
        CaFile = CaFile,
        CertFile = CertFile,
        KeyFile = KeyFile,
        // Measurement switch, deliberately not a flag: lets the watch cache use progress answers
        // of an etcd older than 3.4.31 / 3.5.13, which may overtake events (docs/limits.md).
        TrustOldEtcdProgress = Environment.GetEnvironmentVariable(TrustOldEtcdProgressVariable) == "1",
    };

    /// <summary>Set to 1 to trust progress answers of an old etcd (benchmarks on the machine's etcd 3.4.23 only).</summary>
    public const string TrustOldEtcdProgressVariable = "TIMONEL_ETCD_TRUST_OLD_PROGRESS";
}

/// <summary>Opens the datastore named by --datastore-endpoint (empty: SQLite in the data dir).</summary>
internal static class StoreFactory
{
    /// <summary>How long the server keeps trying to reach etcd at start before giving up.</summary>
    public static readonly TimeSpan EtcdStartRetryWindow = TimeSpan.FromSeconds(10);

    public static async Task<IStore> OpenAsync(string dataDir, DatastoreSettings settings, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(settings.Endpoint))
        {
            var path = Path.Combine(dataDir, "db", "state.db");
            return await SqliteStore.OpenAsync(path, new SqliteStoreOptions(), loggers.CreateLogger("sqlite-store"), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }

        if (settings.Endpoint == "memory://")
        {
            return new MemoryStore();
        }

        return await OpenEtcdAsync(settings.EtcdOptions(), EtcdStartRetryWindow, loggers.CreateLogger(EtcdStore.ComponentName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens an etcd store, retrying with backoff for <paramref name="window"/> while no member
    /// answers (etcd may be starting alongside the server); then throws
    /// <see cref="StoreUnavailableException"/>.
    /// </summary>
    public static async Task<EtcdStore> OpenEtcdAsync(EtcdStoreOptions options, TimeSpan window, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + window;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await EtcdStore.OpenAsync(options, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException e) when (DateTime.UtcNow + delay < deadline)
            {
                logger.LogWarning("waiting for etcd: {Reason}", e.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }
}
