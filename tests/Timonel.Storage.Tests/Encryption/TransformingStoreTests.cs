using System.Text;
using Timonel.Storage.Encryption;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.Storage.Tests.Encryption;

public sealed class TransformingStoreTests : IAsyncLifetime
{
    private const string Secrets = "/registry/secrets/";
    private const string Plain = "hunter2-plaintext";
    private readonly MemoryStore _raw = new();
    private readonly Selector _selector = new();
    private TransformingStore _store = null!;

    private static CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        _selector.Transformer = new PrefixTransformer([TestKeys.Cbc("k1", TestKeys.Counting32), TestKeys.Identity]);
        _store = TransformingStore.Wrap(_raw, _selector);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task CreateAsync_SelectedKey_StoresPrefixedCiphertextWithoutPlaintext()
    {
        var result = await _store.CreateAsync($"{Secrets}ns/a", Bytes(Plain), Ct);

        var raw = Text(await _raw.GetAsync($"{Secrets}ns/a", Ct));
        Assert.StartsWith("k8s:enc:aescbc:v1:k1:", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", raw, StringComparison.Ordinal);
        Assert.Equal(Plain, Text(result.Current));
        Assert.Equal(Plain, Text(await _store.GetAsync($"{Secrets}ns/a", Ct)));
    }

    [Fact]
    public async Task CreateAsync_KeyNotSelected_StoredAsGiven()
    {
        await _store.CreateAsync("/registry/configmaps/ns/a", Bytes(Plain), Ct);

        Assert.Equal(Plain, Text(await _raw.GetAsync("/registry/configmaps/ns/a", Ct)));
    }

    [Fact]
    public async Task RangeAsync_ReturnsValuesDecrypted()
    {
        await _store.CreateAsync($"{Secrets}ns/a", Bytes("one"), Ct);
        await _store.CreateAsync($"{Secrets}ns/b", Bytes("two"), Ct);

        var range = await _store.RangeAsync(new RangeRequest(Secrets), Ct);

        Assert.Equal(["one", "two"], range.Items.Select(Text));
    }

    [Fact]
    public async Task WatchAsync_UpdateAndDelete_EventsAndPreviousValuesDecrypted()
    {
        // A watch after revision 0 means "from now" to the store: start after a first write.
        await _store.CreateAsync("/registry/configmaps/ns/first", Bytes("x"), Ct);
        var created = await _store.CreateAsync($"{Secrets}ns/a", Bytes("v1"), Ct);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var events = _store.WatchAsync(Secrets, created.Revision - 1, cts.Token).GetAsyncEnumerator(cts.Token);
        await _store.UpdateAsync($"{Secrets}ns/a", Bytes("v2"), 0, Ct);
        var deleted = await _store.DeleteAsync($"{Secrets}ns/a", 0, Ct);

        Assert.True(await events.MoveNextAsync());
        Assert.Equal("v1", Text(events.Current.Kv));
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(("v2", "v1"), (Text(events.Current.Kv), Text(events.Current.PrevKv)));
        Assert.True(await events.MoveNextAsync());
        Assert.Equal((WatchEventType.Delete, "v2"), (events.Current.Type, Text(events.Current.PrevKv)));
        Assert.Equal("v2", Text(deleted.Current));
    }

    [Fact]
    public async Task UpdateAsync_LostRace_CurrentValueDecrypted()
    {
        await _store.CreateAsync($"{Secrets}ns/a", Bytes("v1"), Ct);

        var result = await _store.UpdateAsync($"{Secrets}ns/a", Bytes("v2"), expectedModRevision: 999, Ct);

        Assert.False(result.Succeeded);
        Assert.Equal("v1", Text(result.Current));
    }

    [Fact]
    public async Task GetAsync_KeyNoLongerConfigured_ReadErrorForThatKeyOnly()
    {
        await _store.CreateAsync($"{Secrets}ns/a", Bytes("v1"), Ct);
        _selector.Transformer = new PrefixTransformer([TestKeys.Cbc("k2", TestKeys.Other32)]);
        await _store.CreateAsync($"{Secrets}ns/b", Bytes("v2"), Ct);

        var broken = await _store.GetAsync($"{Secrets}ns/a", Ct);
        var range = await _store.RangeAsync(new RangeRequest(Secrets), Ct);

        Assert.Equal("unable to transform key \"/registry/secrets/ns/a\": no matching prefix found", broken!.ReadError);
        Assert.Equal(0, broken.Value.Length);
        Assert.Equal([true, false], range.Items.Select(kv => kv.ReadError is not null));
        Assert.Equal("v2", Text(range.Items[1]));
    }

    [Fact]
    public async Task WatchAsync_UnreadableValue_EventCarriesErrorAndWatchGoesOn()
    {
        var first = await _store.CreateAsync($"{Secrets}ns/ok", Bytes("v0"), Ct);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var events = _store.WatchAsync(Secrets, first.Revision, cts.Token).GetAsyncEnumerator(cts.Token);
        await _raw.CreateAsync($"{Secrets}ns/lost", Bytes("k8s:enc:aescbc:v1:gone:0123456789abcdef0123456789abcdef"), Ct);
        await _store.CreateAsync($"{Secrets}ns/next", Bytes("v1"), Ct);

        Assert.True(await events.MoveNextAsync());
        Assert.Contains("no matching prefix found", events.Current.Kv.ReadError, StringComparison.Ordinal);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(("v1", null), (Text(events.Current.Kv), events.Current.Kv.ReadError));
    }

    [Fact]
    public async Task GetAsync_OldKeyAfterRotation_ReadsAndIsStale()
    {
        await _store.CreateAsync($"{Secrets}ns/a", Bytes("v1"), Ct);
        Assert.False((await _store.GetAsync($"{Secrets}ns/a", Ct))!.Stale);
        _selector.Transformer = new PrefixTransformer([TestKeys.Cbc("k2", TestKeys.Other32), TestKeys.Cbc("k1", TestKeys.Counting32)]);

        var kv = await _store.GetAsync($"{Secrets}ns/a", Ct);

        Assert.Equal(("v1", true), (Text(kv), kv!.Stale));
    }

    [Fact]
    public void Wrap_StoreWithoutWatchProgress_DoesNotClaimIt() =>
        Assert.IsNotAssignableFrom<IWatchProgressStore>(_store);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(KeyValue? kv) => kv is null ? "<null>" : Encoding.Latin1.GetString(kv.Value.Span);

    private sealed class Selector : IValueTransformerSelector
    {
        public IValueTransformer? Transformer { get; set; }

        public IValueTransformer? TransformerFor(string key) => key.StartsWith(Secrets, StringComparison.Ordinal) ? Transformer : null;
    }
}
