using Timonel.Storage.Etcd;
using Timonel.Testing;

namespace Timonel.Storage.Tests;

/// <summary>Holds the etcd store to the shared contract, against a fresh single-member etcd per test.</summary>
public sealed class EtcdStoreContractTests : StoreContractTests
{
    private EtcdProcess? _etcd;

    protected override long EmptyRevision => 1;

    protected override async Task<IStore> CreateStoreAsync()
    {
        _etcd = await EtcdProcess.StartAsync();
        return await EtcdStore.OpenAsync(EtcdTestOptions.For(_etcd), null, CancellationToken.None);
    }

    protected override async Task CleanupAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }
}

/// <summary>Store options for a test etcd: its endpoints, no background compaction.</summary>
internal static class EtcdTestOptions
{
    public static EtcdStoreOptions For(EtcdProcess etcd) => new()
    {
        Endpoints = EtcdStoreOptions.ParseEndpoints(etcd.EndpointList),
        CompactionInterval = TimeSpan.Zero,
    };
}
