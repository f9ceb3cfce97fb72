using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>Prefix ranges: order, paging, counting, reading the past.</summary>
public abstract partial class StoreContractTests
{
    private async Task SeedAsync(params string[] keys)
    {
        foreach (var key in keys)
        {
            await CreateOkAsync(key, "v" + key);
        }
    }

    [Fact]
    public async Task Range_Prefix_ReturnsOnlyMatchingKeysInKeyOrder()
    {
        await SeedAsync("/a/bc/2", "/a/b", "/a/bc/1", "/a/bd", "/a/bc", "/b/bc/1", "/a/bc/10");

        var result = await Store.RangeAsync(new RangeRequest("/a/bc/"), Ct);

        Assert.Equal(["/a/bc/1", "/a/bc/10", "/a/bc/2"], result.Items.Select(i => i.Key));
        Assert.Equal(3, result.Count);
        Assert.False(result.More);
        Assert.Equal(await Store.GetCurrentRevisionAsync(Ct), result.Revision);
        Assert.Equal("v/a/bc/10", Text(result.Items[1]));
    }

    [Fact]
    public async Task Range_EmptyPrefix_ReturnsEverything()
    {
        await SeedAsync("/z", "/a", "/m");

        var result = await Store.RangeAsync(new RangeRequest(string.Empty), Ct);

        Assert.Equal(["/a", "/m", "/z"], result.Items.Select(i => i.Key));
    }

    [Fact]
    public async Task Range_NoMatch_ReturnsEmpty()
    {
        await SeedAsync("/a/1");

        var result = await Store.RangeAsync(new RangeRequest("/b/"), Ct);

        Assert.Empty(result.Items);
        Assert.Equal(0, result.Count);
        Assert.False(result.More);
    }

    [Fact]
    public async Task Range_Limit_CutsShortAndReportsMoreAndCount()
    {
        await SeedAsync("/p/1", "/p/2", "/p/3", "/p/4", "/p/5");

        var result = await Store.RangeAsync(new RangeRequest("/p/", Limit: 2), Ct);

        Assert.Equal(["/p/1", "/p/2"], result.Items.Select(i => i.Key));
        Assert.True(result.More);
        Assert.Equal(5, result.Count);
    }

    [Fact]
    public async Task Range_LimitEqualToCount_HasNoMore()
    {
        await SeedAsync("/p/1", "/p/2");

        var result = await Store.RangeAsync(new RangeRequest("/p/", Limit: 2), Ct);

        Assert.Equal(2, result.Items.Count);
        Assert.False(result.More);
        Assert.Equal(2, result.Count);
    }

    [Fact]
    public async Task Range_StartAfterKey_PagesThroughEveryKeyOnce()
    {
        var keys = Enumerable.Range(0, 7).Select(i => $"/p/{i:D2}").ToArray();
        await SeedAsync(keys);
        await SeedAsync("/q/00");
        var seen = new List<string>();
        string? after = null;
        long revision = 0;

        while (true)
        {
            var page = await Store.RangeAsync(new RangeRequest("/p/", StartAfterKey: after, Limit: 3, Revision: revision), Ct);
            seen.AddRange(page.Items.Select(i => i.Key));
            Assert.Equal(keys.Length - seen.Count + page.Items.Count, page.Count);
            revision = page.Revision;
            if (!page.More)
            {
                break;
            }

            after = page.Items[^1].Key;
        }

        Assert.Equal(keys, seen);
    }

    [Fact]
    public async Task Range_CountOnly_ReturnsCountWithoutItems()
    {
        await SeedAsync("/p/1", "/p/2", "/p/3", "/x/1");

        var result = await Store.RangeAsync(new RangeRequest("/p/", CountOnly: true), Ct);

        Assert.Empty(result.Items);
        Assert.Equal(3, result.Count);
    }

    [Fact]
    public async Task Range_OldRevision_SeesKeySpaceAsItWas()
    {
        var a = await CreateOkAsync("/r/a", "a1");
        var b = await CreateOkAsync("/r/b", "b1");
        var atTwo = b.Revision;
        var a2 = await Store.UpdateAsync("/r/a", Bytes("a2"), a.Revision, Ct);
        await Store.DeleteAsync("/r/b", 0, Ct);
        await CreateOkAsync("/r/c", "c1");

        var past = await Store.RangeAsync(new RangeRequest("/r/", Revision: atTwo), Ct);
        var middle = await Store.RangeAsync(new RangeRequest("/r/", Revision: a2.Revision), Ct);
        var now = await Store.RangeAsync(new RangeRequest("/r/"), Ct);
        var pastCount = await Store.RangeAsync(new RangeRequest("/r/", Revision: atTwo, CountOnly: true), Ct);

        Assert.Equal(atTwo, past.Revision);
        Assert.Equal(["/r/a=a1", "/r/b=b1"], past.Items.Select(i => $"{i.Key}={Text(i)}"));
        Assert.Equal(a.Revision, past.Items[0].ModRevision);
        Assert.Equal(["/r/a=a2", "/r/b=b1"], middle.Items.Select(i => $"{i.Key}={Text(i)}"));
        Assert.Equal(["/r/a=a2", "/r/c=c1"], now.Items.Select(i => $"{i.Key}={Text(i)}"));
        Assert.Equal(2, pastCount.Count);
    }

    [Fact]
    public async Task Range_OldRevisionWithLimit_PagesThePast()
    {
        await SeedAsync("/r/1", "/r/2", "/r/3");
        var then = await Store.GetCurrentRevisionAsync(Ct);
        await Store.DeleteAsync("/r/2", 0, Ct);
        await SeedAsync("/r/0");

        var first = await Store.RangeAsync(new RangeRequest("/r/", Limit: 2, Revision: then), Ct);
        var second = await Store.RangeAsync(new RangeRequest("/r/", StartAfterKey: first.Items[^1].Key, Limit: 2, Revision: then), Ct);

        Assert.Equal(["/r/1", "/r/2"], first.Items.Select(i => i.Key));
        Assert.True(first.More);
        Assert.Equal(3, first.Count);
        Assert.Equal(["/r/3"], second.Items.Select(i => i.Key));
        Assert.False(second.More);
    }

    [Fact]
    public async Task Range_CompactedRevision_ThrowsStoreCompacted()
    {
        var a = await CreateOkAsync("/r/a", "a1");
        await Store.UpdateAsync("/r/a", Bytes("a2"), a.Revision, Ct);
        await Store.UpdateAsync("/r/a", Bytes("a3"), 0, Ct);
        var compactAt = await Store.GetCurrentRevisionAsync(Ct) - 1;
        await Store.CompactAsync(compactAt, Ct);

        var error = await Assert.ThrowsAsync<StoreCompactedException>(() => Store.RangeAsync(new RangeRequest("/r/", Revision: a.Revision), Ct));
        var atCompacted = await Store.RangeAsync(new RangeRequest("/r/", Revision: compactAt), Ct);

        Assert.Equal(a.Revision, error.RequestedRevision);
        Assert.Equal("a2", Text(Assert.Single(atCompacted.Items)));
    }
}
