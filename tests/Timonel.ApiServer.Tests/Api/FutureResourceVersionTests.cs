using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// A resourceVersion the store has not reached: upstream's watch cache waits up to 3 s for it,
/// then answers 504 "Too large resource version" (cause ResourceVersionTooLarge, retry after 1 s).
/// The server runs on a fake clock: the 3 s pass without sleeping.
/// </summary>
public sealed class FutureResourceVersionTests(FakeClockApiServerFixture fx) : IClassFixture<FakeClockApiServerFixture>
{
    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    private static void AssertTooLarge(ApiResponse response, long requested)
    {
        ApiAssert.Failure(response, 504, "Timeout", $"Timeout: Too large resource version: {requested}, current: ");
        var details = response.Object["details"]!;
        Assert.Equal(1, (int?)details["retryAfterSeconds"]);
        var cause = Assert.Single(details["causes"]!.AsArray())!;
        Assert.Equal("ResourceVersionTooLarge", ApiResponse.Str(cause["reason"]));
        Assert.Equal("Too large resource version", ApiResponse.Str(cause["message"]));
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
    }

    // Proves the request waits on the clock: it has not answered after 2.5 s of fake time.
    private async Task<ApiResponse> WaitsThenAnswersAsync(Task<ApiResponse> request)
    {
        fx.Clock.Advance(TimeSpan.FromMilliseconds(2500));
        await Task.WhenAny(request, Task.Delay(200));
        Assert.False(request.IsCompleted, request.IsCompleted ? $"answered early: {await request}" : "");
        return await fx.AdvanceUntilDoneAsync(request);
    }

    private async Task<string> NamespaceWithConfigMapAsync()
    {
        var ns = await fx.NamespaceAsync("future");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("keep", new JsonObject { ["tier"] = "a" }))).Code);
        return ns;
    }

    [Theory]
    [InlineData("")]
    [InlineData("&resourceVersionMatch=NotOlderThan")]
    [InlineData("&resourceVersionMatch=Exact")]
    public async Task List_FutureResourceVersion_WaitsThen504(string match)
    {
        var ns = await NamespaceWithConfigMapAsync();
        var future = await fx.RevisionAsync() + 1000;

        var response = await WaitsThenAnswersAsync(fx.Client.GetAsync($"{ConfigMaps(ns)}?resourceVersion={future}{match}"));

        AssertTooLarge(response, future);
    }

    [Fact]
    public async Task Get_FutureResourceVersion_WaitsThen504()
    {
        var ns = await NamespaceWithConfigMapAsync();
        var future = await fx.RevisionAsync() + 1000;

        var response = await WaitsThenAnswersAsync(fx.Client.GetAsync($"{ConfigMaps(ns)}/keep?resourceVersion={future}"));

        AssertTooLarge(response, future);
    }

    [Fact]
    public async Task DeleteCollection_FutureResourceVersion_Is504AndDeletesNothing()
    {
        var ns = await NamespaceWithConfigMapAsync();
        var future = await fx.RevisionAsync() + 1000;

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.AdvanceUntilDoneAsync(fx.Client.DeleteAsync($"{ConfigMaps(ns)}?resourceVersion={future}")));

        AssertTooLarge(response, future);
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/keep")).Code);
    }

    [Fact]
    public async Task List_ResourceVersionTheStoreReachesInTime_Is200WithTheNewData()
    {
        var ns = await NamespaceWithConfigMapAsync();
        var next = await fx.RevisionAsync() + 1;
        var request = fx.Client.GetAsync($"{ConfigMaps(ns)}?resourceVersion={next}&resourceVersionMatch=NotOlderThan");
        await Task.WhenAny(request, Task.Delay(200));
        Assert.False(request.IsCompleted);

        // The write lands on the store; the clock moves only as far as the server's next look at
        // the store (well before the 3 s bound).
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("fresh"))).Code);
        for (var i = 0; i < 20 && !request.IsCompleted; i++)
        {
            fx.Clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(request, Task.Delay(50));
        }

        var response = await request.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(200, response.Code);
        Assert.Equal(2, response.Object["items"]!.AsArray().Count);
        Assert.True(long.Parse(response.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) >= next);
    }

    [Fact]
    public async Task List_CurrentResourceVersion_AnswersWithoutWaiting()
    {
        var ns = await NamespaceWithConfigMapAsync();
        var current = await fx.RevisionAsync();

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?resourceVersion={current}&resourceVersionMatch=Exact").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(200, response.Code);
    }

    [Fact]
    public async Task WatchList_FutureResourceVersion_EndsWithA504ErrorEvent()
    {
        var ns = await NamespaceWithConfigMapAsync();
        var future = await fx.RevisionAsync() + 1000;

        // Upstream answers 200 and reports the failure as the watch's ERROR event.
        var open = fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion={future}", CancellationToken.None);
        await using var watch = await fx.AdvanceUntilDoneAsync(open);
        var e = await watch.NextAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("ERROR", ApiResponse.Str(e!["type"]));
        Assert.Equal(504, (int?)e["object"]!["code"]);
        Assert.Equal("Timeout", ApiResponse.Str(e["object"]!["reason"]));
        Assert.StartsWith($"Timeout: Too large resource version: {future}, current: ", ApiResponse.Str(e["object"]!["message"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_FutureResourceVersionWithoutInitialEvents_StartsAtOnceAsUpstream()
    {
        var ns = await NamespaceWithConfigMapAsync();
        var next = await fx.RevisionAsync() + 1;

        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(ns)}?watch=true&resourceVersion={next}", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("first"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("second"))).Code);
        var e = await watch.NextAsync(TimeSpan.FromSeconds(30));

        // Events after the requested revision: "first" is at revision next, so "second" comes first.
        Assert.Equal("second", ApiResponse.Str(e!["object"]!["metadata"]!["name"]));
    }
}
