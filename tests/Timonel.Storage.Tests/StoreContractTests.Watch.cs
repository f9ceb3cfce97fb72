using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>Watches: replay, live events, prefixes, compaction, many watchers.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Watch_FromRevision_ReplaysHistoryThenLiveEvents()
    {
        var start = await CreateOkAsync("/w/0", "before");
        var a = await CreateOkAsync("/w/a", "a1");
        var a2 = await Store.UpdateAsync("/w/a", Bytes("a2"), a.Revision, Ct);
        using var cts = new CancellationTokenSource();
        await using var events = Store.WatchAsync("/w/", start.Revision, cts.Token).GetAsyncEnumerator(cts.Token);

        var first = await NextAsync(events);
        var second = await NextAsync(events);
        var live = Store.CreateAsync("/w/b", Bytes("b1"), Ct);
        var third = await NextAsync(events);
        await live;

        Assert.Equal((WatchEventType.Put, "/w/a", "a1", a.Revision), (first.Type, first.Kv.Key, Text(first.Kv), first.Revision));
        Assert.Null(first.PrevKv);
        Assert.Equal(a.Revision, first.Kv.CreateRevision);
        Assert.Equal((WatchEventType.Put, "a2", a2.Revision), (second.Type, Text(second.Kv), second.Revision));
        Assert.Equal("a1", Text(second.PrevKv));
        Assert.Equal(a.Revision, second.PrevKv!.ModRevision);
        Assert.Equal(a.Revision, second.Kv.CreateRevision);
        Assert.Equal((WatchEventType.Put, "/w/b", "b1"), (third.Type, third.Kv.Key, Text(third.Kv)));
        await AssertNoMoreEventsAsync(events, cts);
    }

    [Fact]
    public async Task Watch_Delete_CarriesPrevKvWithDeletedValue()
    {
        var created = await CreateOkAsync("/w/k", "last");
        using var cts = new CancellationTokenSource();
        await using var live = Store.WatchAsync("/w/", created.Revision, cts.Token).GetAsyncEnumerator(cts.Token);
        var deleted = await Store.DeleteAsync("/w/k", 0, Ct);

        var liveEvent = await NextAsync(live);
        await using var replayed = Store.WatchAsync("/w/", created.Revision, cts.Token).GetAsyncEnumerator(cts.Token);
        var replayedEvent = await NextAsync(replayed);

        foreach (var e in new[] { liveEvent, replayedEvent })
        {
            Assert.Equal(WatchEventType.Delete, e.Type);
            Assert.Equal("/w/k", e.Kv.Key);
            Assert.Equal(deleted.Revision, e.Revision);
            Assert.Equal(0, e.Kv.Value.Length);
            Assert.Equal("last", Text(e.PrevKv));
            Assert.Equal(created.Revision, e.PrevKv!.ModRevision);
            Assert.Equal(created.Revision, e.PrevKv.CreateRevision);
        }

        await cts.CancelAsync();
    }

    [Fact]
    public async Task Watch_Prefix_IgnoresKeysThatOnlyShareLeadingCharacters()
    {
        var start = (await CreateOkAsync("/seed", "s")).Revision;
        using var cts = new CancellationTokenSource();
        await using var events = Store.WatchAsync("/a/bc/", start, cts.Token).GetAsyncEnumerator(cts.Token);

        await CreateOkAsync("/a/b", "no");
        await CreateOkAsync("/a/bc", "no");
        await CreateOkAsync("/a/bcd/1", "no");
        await CreateOkAsync("/a/bc/1", "yes");

        var only = await NextAsync(events);
        Assert.Equal("/a/bc/1", only.Kv.Key);
        await AssertNoMoreEventsAsync(events, cts);
    }

    [Fact]
    public async Task Watch_ReplayedHistory_AppliesPrefix()
    {
        await CreateOkAsync("/a/b", "no");
        await CreateOkAsync("/a/bc/1", "yes");
        await CreateOkAsync("/a/bcd", "no");
        using var cts = new CancellationTokenSource();
        await using var events = Store.WatchAsync("/a/bc/", 1, cts.Token).GetAsyncEnumerator(cts.Token);

        var only = await NextAsync(events);

        Assert.Equal("/a/bc/1", only.Kv.Key);
        await AssertNoMoreEventsAsync(events, cts);
    }

    [Fact]
    public async Task Watch_AfterZero_StartsWithLiveEventsOnly()
    {
        await CreateOkAsync("/w/old", "old");
        using var cts = new CancellationTokenSource();
        await using var events = Store.WatchAsync("/w/", 0, cts.Token).GetAsyncEnumerator(cts.Token);
        var pending = events.MoveNextAsync().AsTask();
        await Task.Delay(100);

        var created = await CreateOkAsync("/w/new", "new");

        Assert.True(await pending.WaitAsync(EventTimeout));
        Assert.Equal(created.Revision, events.Current.Revision);
        Assert.Equal("/w/new", events.Current.Kv.Key);
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Watch_AfterCurrentRevision_DeliversOnlyNewerEvents()
    {
        await CreateOkAsync("/w/1", "1");
        var current = await Store.GetCurrentRevisionAsync(Ct);
        using var cts = new CancellationTokenSource();
        await using var events = Store.WatchAsync("/w/", current, cts.Token).GetAsyncEnumerator(cts.Token);
        var pending = events.MoveNextAsync().AsTask();

        var created = await CreateOkAsync("/w/2", "2");

        Assert.True(await pending.WaitAsync(EventTimeout));
        Assert.Equal(created.Revision, events.Current.Revision);
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Watch_OlderThanCompactedRevision_ThrowsBeforeAnyEvent()
    {
        var first = await CreateOkAsync("/w/k", "1");
        await Store.UpdateAsync("/w/k", Bytes("2"), 0, Ct);
        await Store.UpdateAsync("/w/k", Bytes("3"), 0, Ct);
        var compactAt = await Store.GetCurrentRevisionAsync(Ct) - 1;
        await Store.CompactAsync(compactAt, Ct);
        using var cts = new CancellationTokenSource();

        await using var tooOld = Store.WatchAsync("/w/", first.Revision, cts.Token).GetAsyncEnumerator(cts.Token);
        await Assert.ThrowsAsync<StoreCompactedException>(async () => await tooOld.MoveNextAsync());

        await using var fromCompacted = Store.WatchAsync("/w/", compactAt, cts.Token).GetAsyncEnumerator(cts.Token);
        var e = await NextAsync(fromCompacted);
        Assert.Equal(("3", compactAt + 1), (Text(e.Kv), e.Revision));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Watch_Cancelled_EndsWithOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await using var events = Store.WatchAsync("/w/", 0, cts.Token).GetAsyncEnumerator(cts.Token);
        var pending = events.MoveNextAsync().AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(EventTimeout));
    }

    [Fact]
    public async Task Watch_StartedDuringWrites_HasNoGapAndNoDuplicate()
    {
        const int Writes = 400;
        await CreateOkAsync("/g/k", "0");
        using var writersDone = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= Writes; i++)
            {
                await Store.UpdateAsync("/g/k", Bytes($"{i}"), 0, Ct);
            }
        });
        await Task.Delay(20);
        var from = await Store.GetCurrentRevisionAsync(Ct);
        using var cts = new CancellationTokenSource();
        await using var events = Store.WatchAsync("/g/", from, cts.Token).GetAsyncEnumerator(cts.Token);
        await writer;
        var last = await Store.GetCurrentRevisionAsync(Ct);

        var expected = from + 1;
        while (expected <= last)
        {
            var e = await NextAsync(events);
            Assert.Equal(expected, e.Revision);
            Assert.Equal(expected - 1, e.PrevKv!.ModRevision);
            expected++;
        }

        await AssertNoMoreEventsAsync(events, cts);
    }

    [Fact]
    public async Task Watch_ManyConcurrentWatchers_EachSeesEveryEventInOrder()
    {
        const int Watchers = 1_000;
        const int Writes = 40;
        var start = await Store.GetCurrentRevisionAsync(Ct);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watchers = Enumerable.Range(0, Watchers).Select(async w =>
        {
            var seen = new List<long>(Writes);
            await foreach (var e in Store.WatchAsync(w % 2 == 0 ? "/m/" : "/m/k", start, cts.Token))
            {
                seen.Add(e.Revision);
                if (seen.Count == Writes)
                {
                    break;
                }
            }

            return seen;
        }).ToArray();

        var revisions = new List<long>();
        for (var i = 0; i < Writes; i++)
        {
            revisions.Add((await Store.CreateAsync($"/m/k{i}", Bytes("x"), Ct)).Revision);
        }

        var results = await Task.WhenAll(watchers);
        Assert.All(results, seen => Assert.Equal(revisions, seen));
    }
}
