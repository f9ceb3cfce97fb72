using System.Collections.Concurrent;
using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>Revisions and conditional writes.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task GetCurrentRevision_EmptyStore_IsZero()
    {
        Assert.Equal(EmptyRevision, await Store.GetCurrentRevisionAsync(Ct));
        Assert.Null(await Store.GetAsync("/absent", Ct));
    }

    [Fact]
    public async Task Create_NewKeys_RevisionsStrictlyIncrease()
    {
        var first = await CreateOkAsync("/k/1", "one");
        var second = await CreateOkAsync("/k/2", "two");
        var third = await CreateOkAsync("/k/3", "three");

        Assert.True(first.Revision > 0);
        Assert.True(second.Revision > first.Revision);
        Assert.True(third.Revision > second.Revision);
        Assert.Equal(third.Revision, await Store.GetCurrentRevisionAsync(Ct));
        Assert.Equal("two", Text(second.Current));
        Assert.Equal(second.Revision, second.Current!.CreateRevision);
        Assert.Equal(second.Revision, second.Current.ModRevision);
    }

    [Fact]
    public async Task Get_ExistingKey_ReturnsValueAndRevisions()
    {
        var created = await CreateOkAsync("/k", "v");

        var kv = await Store.GetAsync("/k", Ct);

        Assert.NotNull(kv);
        Assert.Equal("/k", kv.Key);
        Assert.Equal("v", Text(kv));
        Assert.Equal(created.Revision, kv.CreateRevision);
        Assert.Equal(created.Revision, kv.ModRevision);
    }

    [Fact]
    public async Task Create_ExistingKey_FailsWithCurrentValueAndNoNewRevision()
    {
        var created = await CreateOkAsync("/k", "original");

        var again = await Store.CreateAsync("/k", Bytes("other"), Ct);

        Assert.False(again.Succeeded);
        Assert.Equal("original", Text(again.Current));
        Assert.Equal(created.Revision, again.Current!.ModRevision);
        Assert.Equal(created.Revision, await Store.GetCurrentRevisionAsync(Ct));
        Assert.Equal("original", Text(await Store.GetAsync("/k", Ct)));
    }

    [Fact]
    public async Task Create_EmptyValue_RoundTrips()
    {
        await CreateOkAsync("/empty", string.Empty);

        var kv = await Store.GetAsync("/empty", Ct);

        Assert.NotNull(kv);
        Assert.Equal(0, kv.Value.Length);
    }

    [Fact]
    public async Task Update_MatchingModRevision_ReplacesValueKeepsCreateRevision()
    {
        var created = await CreateOkAsync("/k", "v1");

        var updated = await Store.UpdateAsync("/k", Bytes("v2"), created.Revision, Ct);

        Assert.True(updated.Succeeded);
        Assert.True(updated.Revision > created.Revision);
        Assert.Equal("v2", Text(updated.Current));
        Assert.Equal(created.Revision, updated.Current!.CreateRevision);
        Assert.Equal(updated.Revision, updated.Current.ModRevision);
        var kv = await Store.GetAsync("/k", Ct);
        Assert.Equal("v2", Text(kv));
        Assert.Equal(updated.Revision, kv!.ModRevision);
    }

    [Fact]
    public async Task Update_StaleModRevision_FailsWithCurrentValue()
    {
        var created = await CreateOkAsync("/k", "v1");
        var updated = await Store.UpdateAsync("/k", Bytes("v2"), created.Revision, Ct);

        var stale = await Store.UpdateAsync("/k", Bytes("v3"), created.Revision, Ct);

        Assert.False(stale.Succeeded);
        Assert.Equal("v2", Text(stale.Current));
        Assert.Equal(updated.Revision, stale.Current!.ModRevision);
        Assert.Equal(updated.Revision, stale.Revision);
        Assert.Equal(updated.Revision, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Update_ZeroModRevision_UpdatesUnconditionally()
    {
        await CreateOkAsync("/k", "v1");
        await Store.UpdateAsync("/k", Bytes("v2"), 0, Ct);

        var result = await Store.UpdateAsync("/k", Bytes("v3"), 0, Ct);

        Assert.True(result.Succeeded);
        Assert.Equal("v3", Text(await Store.GetAsync("/k", Ct)));
    }

    [Fact]
    public async Task Update_AbsentKey_FailsWithNullCurrent()
    {
        await CreateOkAsync("/other", "x");
        var before = await Store.GetCurrentRevisionAsync(Ct);

        var any = await Store.UpdateAsync("/absent", Bytes("v"), 0, Ct);
        var specific = await Store.UpdateAsync("/absent", Bytes("v"), before, Ct);

        Assert.False(any.Succeeded);
        Assert.Null(any.Current);
        Assert.False(specific.Succeeded);
        Assert.Null(specific.Current);
        Assert.Null(await Store.GetAsync("/absent", Ct));
        Assert.Equal(before, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Delete_MatchingModRevision_RemovesKeyAndReturnsDeletedValue()
    {
        var created = await CreateOkAsync("/k", "gone");

        var deleted = await Store.DeleteAsync("/k", created.Revision, Ct);

        Assert.True(deleted.Succeeded);
        Assert.True(deleted.Revision > created.Revision);
        Assert.Equal("gone", Text(deleted.Current));
        Assert.Equal(created.Revision, deleted.Current!.ModRevision);
        Assert.Null(await Store.GetAsync("/k", Ct));
        Assert.Equal(deleted.Revision, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Delete_StaleModRevision_FailsAndKeepsKey()
    {
        var created = await CreateOkAsync("/k", "v1");
        var updated = await Store.UpdateAsync("/k", Bytes("v2"), 0, Ct);

        var result = await Store.DeleteAsync("/k", created.Revision, Ct);

        Assert.False(result.Succeeded);
        Assert.Equal("v2", Text(result.Current));
        Assert.Equal(updated.Revision, result.Current!.ModRevision);
        Assert.Equal("v2", Text(await Store.GetAsync("/k", Ct)));
    }

    [Fact]
    public async Task Delete_ZeroModRevision_DeletesUnconditionally()
    {
        await CreateOkAsync("/k", "v1");
        await Store.UpdateAsync("/k", Bytes("v2"), 0, Ct);

        var result = await Store.DeleteAsync("/k", 0, Ct);

        Assert.True(result.Succeeded);
        Assert.Equal("v2", Text(result.Current));
        Assert.Null(await Store.GetAsync("/k", Ct));
    }

    [Fact]
    public async Task Delete_AbsentKey_FailsWithoutNewRevision()
    {
        var created = await CreateOkAsync("/k", "v");
        await Store.DeleteAsync("/k", 0, Ct);
        var before = await Store.GetCurrentRevisionAsync(Ct);

        var never = await Store.DeleteAsync("/never", 0, Ct);
        var twice = await Store.DeleteAsync("/k", created.Revision, Ct);

        Assert.False(never.Succeeded);
        Assert.Null(never.Current);
        Assert.False(twice.Succeeded);
        Assert.Null(twice.Current);
        Assert.Equal(before, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Create_AfterDelete_StartsNewLife()
    {
        var first = await CreateOkAsync("/k", "first");
        await Store.DeleteAsync("/k", 0, Ct);

        var second = await CreateOkAsync("/k", "second");

        Assert.True(second.Current!.CreateRevision > first.Revision);
        var kv = await Store.GetAsync("/k", Ct);
        Assert.Equal("second", Text(kv));
        Assert.Equal(second.Revision, kv!.CreateRevision);
        var stale = await Store.UpdateAsync("/k", Bytes("x"), first.Revision, Ct);
        Assert.False(stale.Succeeded);
    }

    [Fact]
    public async Task Writes_ConcurrentWriters_GetUniqueIncreasingRevisions()
    {
        const int Writers = 16;
        const int PerWriter = 25;
        var revisions = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            long last = 0;
            for (var i = 0; i < PerWriter; i++)
            {
                var result = await Store.CreateAsync($"/c/{w}/{i}", Bytes($"{w}:{i}"), Ct);
                Assert.True(result.Succeeded);
                Assert.True(result.Revision > last, "a writer's own revisions must increase");
                last = result.Revision;
                revisions.Add(result.Revision);
            }
        })));

        Assert.Equal(Writers * PerWriter, revisions.Distinct().Count());
        Assert.Equal(revisions.Max(), await Store.GetCurrentRevisionAsync(Ct));
        var all = await Store.RangeAsync(new RangeRequest("/c/"), Ct);
        Assert.Equal(Writers * PerWriter, all.Count);
    }

    [Fact]
    public async Task Update_ConcurrentSameRevision_ExactlyOneWins()
    {
        var created = await CreateOkAsync("/race", "0");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Store.UpdateAsync("/race", Bytes($"{i}"), created.Revision, Ct))));

        Assert.Single(results, r => r.Succeeded);
        var winner = results.Single(r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(winner.Revision, r.Current!.ModRevision));
    }

    [Fact]
    public async Task Compact_LiveValuesSurvive()
    {
        var a = await CreateOkAsync("/k/a", "a1");
        await Store.UpdateAsync("/k/a", Bytes("a2"), a.Revision, Ct);
        await CreateOkAsync("/k/b", "b1");
        await Store.DeleteAsync("/k/b", 0, Ct);
        var c = await CreateOkAsync("/k/c", "c1");
        var current = await Store.GetCurrentRevisionAsync(Ct);

        await Store.CompactAsync(current, Ct);

        Assert.Equal(current, await Store.GetCompactedRevisionAsync(Ct));
        Assert.Equal("a2", Text(await Store.GetAsync("/k/a", Ct)));
        Assert.Null(await Store.GetAsync("/k/b", Ct));
        Assert.Equal(c.Revision, (await Store.GetAsync("/k/c", Ct))!.ModRevision);
        var range = await Store.RangeAsync(new RangeRequest("/k/"), Ct);
        Assert.Equal(["/k/a", "/k/c"], range.Items.Select(i => i.Key));
        var next = await Store.UpdateAsync("/k/c", Bytes("c2"), c.Revision, Ct);
        Assert.True(next.Succeeded);
        Assert.True(next.Revision > current);
    }
}
