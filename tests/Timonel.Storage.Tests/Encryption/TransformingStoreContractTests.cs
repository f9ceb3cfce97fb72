using Timonel.Storage.Encryption;
using Timonel.Storage.Memory;

namespace Timonel.Storage.Tests.Encryption;

/// <summary>The encrypting decorator (every key, AES-GCM) over the memory store still meets the store contract.</summary>
public sealed class TransformingStoreContractTests : StoreContractTests
{
    protected override Task<IStore> CreateStoreAsync() =>
        Task.FromResult<IStore>(TransformingStore.Wrap(new MemoryStore(), new EveryKey(new PrefixTransformer([TestKeys.Gcm("k1", TestKeys.Counting32)]))));

    private sealed class EveryKey(IValueTransformer transformer) : IValueTransformerSelector
    {
        public IValueTransformer? TransformerFor(string key) => transformer;
    }
}
