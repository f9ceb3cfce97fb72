using System.Text;
using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>
/// The contract every <see cref="IStore"/> backend must meet. A backend's test class derives
/// from this and supplies a fresh, empty store per test; nothing here depends on a backend.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    protected static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);

    private IStore? _store;

    protected IStore Store => _store ?? throw new InvalidOperationException("store not created yet");

    protected static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await CleanupAsync();
    }

    /// <summary>The revision of a fresh, empty store (etcd starts at 1).</summary>
    protected virtual long EmptyRevision => 0;

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract Task<IStore> CreateStoreAsync();

    /// <summary>Removes whatever <see cref="CreateStoreAsync"/> left behind, after the store is disposed.</summary>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(KeyValue? kv) => kv is null ? "<null>" : Encoding.UTF8.GetString(kv.Value.Span);

    protected async Task<WriteResult> CreateOkAsync(string key, string value)
    {
        var result = await Store.CreateAsync(key, Bytes(value), Ct);
        Assert.True(result.Succeeded, $"create {key} failed");
        return result;
    }

    protected static async Task<WatchEvent> NextAsync(IAsyncEnumerator<WatchEvent> events)
    {
        var moved = await events.MoveNextAsync().AsTask().WaitAsync(EventTimeout);
        Assert.True(moved, "watch ended unexpectedly");
        return events.Current;
    }

    /// <summary>Asserts no event arrives within a short grace period, then ends the watch through <paramref name="watchCancellation"/>.</summary>
    protected static async Task AssertNoMoreEventsAsync(IAsyncEnumerator<WatchEvent> events, CancellationTokenSource watchCancellation)
    {
        var next = events.MoveNextAsync().AsTask();
        var finished = await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(300)));
        if (finished == next)
        {
            Assert.Fail(await next ? $"unexpected event at revision {events.Current.Revision} on {events.Current.Kv.Key}" : "watch ended early");
        }

        await watchCancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }
}
