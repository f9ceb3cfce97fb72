using Timonel.Storage.Memory;

namespace Timonel.Storage.Tests;

/// <summary>Holds the in-memory store (used by API tests and benchmarks) to the same contract.</summary>
public sealed class MemoryStoreContractTests : StoreContractTests
{
    protected override Task<IStore> CreateStoreAsync() => Task.FromResult<IStore>(new MemoryStore());

    protected override Task CleanupAsync() => Task.CompletedTask;
}
