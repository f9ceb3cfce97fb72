using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>?watch=true: history replay, initial state, selector transitions, 410 after compaction, bookmarks, timeouts.</summary>
public sealed class WatchTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    private static string Type(JsonObject? e) => ApiResponse.Str(e?["type"]) ?? "(end of stream)";

    private static string? Name(JsonObject? e) => ApiResponse.Str(e?["object"]?["metadata"]?["name"]);

    private static long Rv(JsonObject? e) => long.Parse(ApiResponse.Str(e?["object"]?["metadata"]?["resourceVersion"]) ?? "0");

    private async Task<string> CurrentRvAsync(string ns) => (await fx.Client.GetAsync(ConfigMaps(ns))).ResourceVersion!;

    [Fact]
    public async Task Watch_FromResourceVersion_ReplaysAndFollowsChangesInOrder()
    {
        var ns = await fx.NamespaceAsync("watch");
        var rv = await CurrentRvAsync(ns);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("w"))).Code);
        Assert.Equal(200, (await fx.Client.PatchAsync($"{ConfigMaps(ns)}/w", "{\"data\":{\"key\":\"2\"}}", ApiClient.MergePatch)).Code);

        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true&resourceVersion={rv}", CancellationToken.None);
        Assert.Equal(200, (await fx.Client.DeleteAsync($"{ConfigMaps(ns)}/w")).Code);

        var added = await watch.NextAsync();
        var modified = await watch.NextAsync();
        var deleted = await watch.NextAsync();

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], new[] { Type(added), Type(modified), Type(deleted) });
        Assert.All(new[] { added, modified, deleted }, e => Assert.Equal("w", Name(e)));
        Assert.Equal("2", ApiResponse.Str(modified!["object"]!["data"]!["key"]));
        Assert.True(Rv(added) > long.Parse(rv));
        Assert.True(Rv(modified) > Rv(added));
        Assert.True(Rv(deleted) > Rv(modified));
    }

    [Theory]
    [InlineData("True")]
    [InlineData("TRUE")]
    [InlineData("1")]
    [InlineData("yes")]
    [InlineData("")]
    public async Task Watch_AnyValueButFalse_IsAWatchAsUpstream(string value)
    {
        // The official Python client sends watch=True; upstream converts anything but 0/f/false (any case) to true.
        var ns = await fx.NamespaceAsync("watchbool");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("w"))).Code);

        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch={value}", CancellationToken.None);
        var added = await watch.NextAsync();

        Assert.Equal("ADDED", Type(added));
        Assert.Equal("w", Name(added));
    }

    [Theory]
    [InlineData("False")]
    [InlineData("f")]
    [InlineData("0")]
    public async Task Watch_FalseValues_AreAList(string value)
    {
        var ns = await fx.NamespaceAsync("watchbool");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("w"))).Code);

        var list = await fx.Client.GetAsync($"{ConfigMaps(ns)}?watch={value}");

        Assert.Equal(200, list.Code);
        Assert.Equal("ConfigMapList", ApiResponse.Str(list.Object["kind"]));
    }

    [Fact]
    public async Task Watch_WithoutResourceVersion_StartsWithExistingObjectsAsAdded()
    {
        var ns = await fx.NamespaceAsync("watch");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("a"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("b"))).Code);

        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true", CancellationToken.None);
        var first = await watch.NextAsync();
        var second = await watch.NextAsync();
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("c"))).Code);
        var live = await watch.NextAsync();

        Assert.Equal(["ADDED", "ADDED", "ADDED"], new[] { Type(first), Type(second), Type(live) });
        Assert.Equal(new string?[] { "a", "b", "c" }, new[] { Name(first), Name(second), Name(live) });
    }

    [Fact]
    public async Task Watch_LabelSelector_TurnsLeavingAndEnteringIntoDeletedAndAdded()
    {
        var ns = await fx.NamespaceAsync("watch");
        var rv = await CurrentRvAsync(ns);
        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true&labelSelector=app%3Dweb&resourceVersion={rv}", CancellationToken.None);

        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("other", new JsonObject { ["app"] = "db" }))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("sel", new JsonObject { ["app"] = "web" }))).Code);
        Assert.Equal(200, (await fx.Client.PatchAsync($"{ConfigMaps(ns)}/sel", "{\"metadata\":{\"labels\":{\"app\":\"db\"}}}", ApiClient.MergePatch)).Code);
        Assert.Equal(200, (await fx.Client.PatchAsync($"{ConfigMaps(ns)}/sel", "{\"data\":{\"key\":\"quiet\"}}", ApiClient.MergePatch)).Code);
        Assert.Equal(200, (await fx.Client.PatchAsync($"{ConfigMaps(ns)}/sel", "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}", ApiClient.MergePatch)).Code);

        var added = await watch.NextAsync();
        var left = await watch.NextAsync();
        var back = await watch.NextAsync();

        Assert.Equal(["ADDED", "DELETED", "ADDED"], new[] { Type(added), Type(left), Type(back) });
        Assert.All(new[] { added, left, back }, e => Assert.Equal("sel", Name(e)));
        Assert.Equal("db", ApiResponse.Str(left!["object"]!["metadata"]!["labels"]!["app"]));
        Assert.Equal("quiet", ApiResponse.Str(back!["object"]!["data"]!["key"]));
    }

    [Fact]
    public async Task Watch_FromCompactedRevision_YieldsErrorEvent410()
    {
        var ns = await fx.NamespaceAsync("watch");
        var old = await CurrentRvAsync(ns);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("c1"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("c2"))).Code);
        await fx.Store.CompactAsync(await fx.RevisionAsync(), CancellationToken.None);

        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true&resourceVersion={old}", CancellationToken.None);
        var error = await watch.NextAsync();
        var end = await watch.NextAsync();

        Assert.Equal("ERROR", Type(error));
        var status = error!["object"]!;
        Assert.Equal("Status", ApiResponse.Str(status["kind"]));
        Assert.Equal(410, (int?)status["code"]);
        Assert.Equal("Expired", ApiResponse.Str(status["reason"]));
        Assert.Contains("too old resource version", ApiResponse.Str(status["message"]), StringComparison.Ordinal);
        Assert.Null(end);
    }

    [Fact]
    public async Task List_AtCompactedRevisionExact_Is410()
    {
        var ns = await fx.NamespaceAsync("watch");
        var old = await CurrentRvAsync(ns);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("x"))).Code);
        await fx.Store.CompactAsync(await fx.RevisionAsync(), CancellationToken.None);

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?resourceVersion={old}&resourceVersionMatch=Exact");

        ApiAssert.Failure(response, 410, "Expired", "too old");
    }

    [Fact]
    public async Task Watch_SendInitialEventsWithBookmarks_EndsInitialEventsWithBookmark()
    {
        var ns = await fx.NamespaceAsync("watch");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("i1"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("i2"))).Code);
        var listRv = await CurrentRvAsync(ns);

        await using var watch = await fx.Client.WatchAsync(
            $"{ConfigMaps(ns)}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan", CancellationToken.None);
        var first = await watch.NextAsync();
        var second = await watch.NextAsync();
        var bookmark = await watch.NextAsync();

        Assert.Equal(["ADDED", "ADDED", "BOOKMARK"], new[] { Type(first), Type(second), Type(bookmark) });
        Assert.Equal("true", ApiResponse.Str(bookmark!["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]));
        Assert.Equal("ConfigMap", ApiResponse.Str(bookmark["object"]!["kind"]));
        Assert.True(Rv(bookmark) >= long.Parse(listRv));
    }

    [Fact]
    public async Task Watch_TimeoutSeconds_EndsTheStream()
    {
        var ns = await fx.NamespaceAsync("watch");
        var rv = await CurrentRvAsync(ns);
        var clock = Stopwatch.StartNew();

        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true&resourceVersion={rv}&timeoutSeconds=1", CancellationToken.None);
        var end = await watch.NextAsync(TimeSpan.FromSeconds(10));

        Assert.Null(end);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Watch_BadSelector_Is400BeforeStreaming()
    {
        var ns = await fx.NamespaceAsync("watch");

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?watch=true&labelSelector=%3D%3D");

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Fact]
    public async Task Watch_OneObject_SeesOnlyThatObject()
    {
        var ns = await fx.NamespaceAsync("watch");
        var rv = await CurrentRvAsync(ns);
        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true&fieldSelector=metadata.name%3Dme&resourceVersion={rv}", CancellationToken.None);

        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("notme"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("me"))).Code);
        var e = await watch.NextAsync();

        Assert.Equal("ADDED", Type(e));
        Assert.Equal("me", Name(e));
    }

    [Fact]
    public async Task Watch_SendInitialEventsFalse_StartsAtNowWithoutReplay()
    {
        var ns = await fx.NamespaceAsync("watch");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("before"))).Code);

        await using var watch = await fx.Client.WatchAsync(
            $"{ConfigMaps(ns)}?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan", CancellationToken.None);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("after"))).Code);
        var e = await watch.NextAsync();

        Assert.Equal("ADDED", Type(e));
        Assert.Equal("after", Name(e));
    }

    [Theory]
    [InlineData("resourceVersionMatch=NotOlderThan", "sendInitialEvents")]
    [InlineData("sendInitialEvents=true", "NotOlderThan")]
    [InlineData("sendInitialEvents=true&resourceVersionMatch=Exact&resourceVersion=1", "NotOlderThan")]
    public async Task Watch_InconsistentWatchListParameters_Is422(string query, string fragment)
    {
        var ns = await fx.NamespaceAsync("watch");

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?watch=true&{query}");

        // Upstream answers ValidateListOptions' findings as Invalid ListOptions.
        ApiAssert.Failure(response, 422, "Invalid", fragment);
    }
}
