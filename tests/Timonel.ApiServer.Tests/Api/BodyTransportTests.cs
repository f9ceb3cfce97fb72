using System.Text;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// Bodies Kestrel itself cannot read (bad chunking, cut short, too large, too slow), sent as
/// hand-written HTTP/1.1: each is a Status with Kestrel's code, never a 500, and writes nothing.
/// </summary>
public sealed class BodyTransportTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private const string ConfigMapJson = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"raw"},"data":{"k":"v"}}""";

    private static void AssertStatus(RawResponse? response, int code, string reason)
    {
        Assert.NotNull(response);
        Assert.True(response.Code == code, $"expected {code}, got {response.Code}: {response.Body}");
        var status = response.Json;
        Assert.NotNull(status);
        Assert.Equal("Status", ApiResponse.Str(status["kind"]));
        Assert.Equal(code, (int?)status["code"]);
        Assert.Equal(reason, ApiResponse.Str(status["reason"]));
    }

    private async Task AssertNothingCreatedAsync(string ns)
    {
        var list = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps");
        Assert.Equal(200, list.Code);
        Assert.DoesNotContain(list.Object["items"]!.AsArray(), i => ApiResponse.Str(i!["metadata"]!["name"]) == "raw");
    }

    [Fact]
    public async Task Post_WellFormedChunkedBody_Is201()
    {
        // The control for the tests below: the same bytes, chunked correctly, are accepted.
        var ns = await fx.NamespaceAsync("raw");
        await using var http = await RawHttp.ConnectAsync(fx);
        var chunk = Encoding.UTF8.GetBytes(ConfigMapJson);

        await http.SendAsync(RawHttp.Head(fx, "POST", $"/api/v1/namespaces/{ns}/configmaps", "Content-Type: application/json", "Transfer-Encoding: chunked")
            + $"{chunk.Length:x}\r\n{ConfigMapJson}\r\n0\r\n\r\n");

        var response = await http.ReadAsync(Patience);
        Assert.NotNull(response);
        Assert.Equal(201, response.Code);
    }

    [Fact]
    public async Task Post_BadChunkSize_Is400StatusAndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("raw");
        var before = await fx.RevisionAsync();
        await using var http = await RawHttp.ConnectAsync(fx);

        await http.SendAsync(RawHttp.Head(fx, "POST", $"/api/v1/namespaces/{ns}/configmaps", "Content-Type: application/json", "Transfer-Encoding: chunked")
            + $"ZZ\r\n{ConfigMapJson}\r\n0\r\n\r\n");

        AssertStatus(await http.ReadAsync(Patience), 400, "BadRequest");
        Assert.Equal(before, await fx.RevisionAsync());
        await AssertNothingCreatedAsync(ns);
    }

    [Fact]
    public async Task Post_ChunkedBodyOverTheLimit_Is413StatusAndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("raw");
        var before = await fx.RevisionAsync();
        await using var http = await RawHttp.ConnectAsync(fx);
        await http.SendAsync(RawHttp.Head(fx, "POST", $"/api/v1/namespaces/{ns}/configmaps", "Content-Type: application/json", "Transfer-Encoding: chunked"));

        // 3 MiB + 64 KiB of chunks, no Content-Length: only the read itself can notice the size.
        var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string(' ', 0x10000)}\r\n");
        for (var i = 0; i < 49 && await http.SendAsync(chunk); i++)
        {
        }

        await http.SendAsync("0\r\n\r\n");

        var response = await http.ReadAsync(Patience);
        AssertStatus(response, 413, "RequestEntityTooLarge");
        Assert.Contains("Request entity too large: limit is 3145728", response!.Body, StringComparison.Ordinal);
        Assert.Equal(before, await fx.RevisionAsync());
    }

    [Fact]
    public async Task Post_ChunkedBodyEndingMidChunk_IsNot500AndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("raw");
        var before = await fx.RevisionAsync();
        await using (var http = await RawHttp.ConnectAsync(fx))
        {
            await http.SendAsync(RawHttp.Head(fx, "POST", $"/api/v1/namespaces/{ns}/configmaps", "Content-Type: application/json", "Transfer-Encoding: chunked")
                + $"400\r\n{ConfigMapJson}");
            await http.CloseWriteAsync();

            // The client has gone; if an answer still comes, it is the client's error, not the server's.
            var response = await http.ReadAsync(Patience);
            if (response is not null)
            {
                AssertStatus(response, 400, "BadRequest");
            }
        }

        Assert.Equal(before, await fx.RevisionAsync());
        await AssertNothingCreatedAsync(ns);
    }

    [Fact]
    public async Task Post_BodyShorterThanContentLengthThenClosed_IsNot500AndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("raw");
        var before = await fx.RevisionAsync();
        await using (var http = await RawHttp.ConnectAsync(fx))
        {
            await http.SendAsync(RawHttp.Head(fx, "POST", $"/api/v1/namespaces/{ns}/configmaps", "Content-Type: application/json", $"Content-Length: {ConfigMapJson.Length + 100}")
                + ConfigMapJson);
            await http.CloseWriteAsync();

            var response = await http.ReadAsync(Patience);
            if (response is not null)
            {
                AssertStatus(response, 400, "BadRequest");
            }
        }

        Assert.Equal(before, await fx.RevisionAsync());
        await AssertNothingCreatedAsync(ns);

        // The server is still healthy for the next client.
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("after"))).Code);
    }

    [Fact]
    public async Task Post_BodyThatStalls_Is408StatusAndNothingWritten()
    {
        // Kestrel's minimum body data rate (240 bytes/s after a 5 s grace period) ends a stalled
        // upload; this waits for Kestrel's own timer.
        var ns = await fx.NamespaceAsync("raw");
        var before = await fx.RevisionAsync();
        await using var http = await RawHttp.ConnectAsync(fx);

        await http.SendAsync(RawHttp.Head(fx, "POST", $"/api/v1/namespaces/{ns}/configmaps", "Content-Type: application/json", $"Content-Length: {ConfigMapJson.Length + 100}")
            + ConfigMapJson[..10]);

        AssertStatus(await http.ReadAsync(Patience), 408, "Timeout");
        Assert.Equal(before, await fx.RevisionAsync());
        await AssertNothingCreatedAsync(ns);
    }
}
