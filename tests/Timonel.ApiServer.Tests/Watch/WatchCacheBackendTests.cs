using Timonel.Storage;
using Timonel.Storage.Etcd;
using Timonel.Storage.Memory;
using Timonel.Storage.Sqlite;
using Timonel.Testing;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>The watch cache over the in-memory store.</summary>
public sealed class MemoryWatchCacheTests : WatchCacheTests
{
    protected override Task<IStore> CreateStoreAsync() => Task.FromResult<IStore>(new MemoryStore());
}

/// <summary>The watch cache over SQLite, one temporary database per test.</summary>
public sealed class SqliteWatchCacheTests : WatchCacheTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("timonel-watchcache-").FullName;

    protected override async Task<IStore> CreateStoreAsync() =>
        await SqliteStore.OpenAsync(Path.Combine(_directory, "store.db"), new SqliteStoreOptions { CompactionInterval = TimeSpan.Zero }, null, null, CancellationToken.None);

    protected override Task CleanupAsync()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir is harmless.
        }

        return Task.CompletedTask;
    }
}

/// <summary>The watch cache over a fresh single-member etcd per test (the machine's /usr/bin/etcd, as the store contract suite uses).</summary>
public sealed class EtcdWatchCacheTests : WatchCacheTests
{
    private EtcdProcess? _etcd;

    protected override async Task<IStore> CreateStoreAsync()
    {
        _etcd = await EtcdProcess.StartAsync();
        return await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(_etcd.EndpointList), CompactionInterval = TimeSpan.Zero }, null, CancellationToken.None);
    }

    protected override async Task CleanupAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }
}
