using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Response bytes as kube-apiserver (Go's encoding/json) writes them: clients that compare or show bytes see upstream's.</summary>
public sealed class GoJsonEncodingTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Value = "\"quoted\" <b> & é \u2028 tab\t nul\u0000 \\ \b\f\u001b";

    // What Go writes for Value: \" \\ \b \f \n \r \t short forms, other controls \u00xx, <>& and
    // U+2028 escaped, é raw UTF-8.
    private const string GoValue = "\"\\\"quoted\\\" \\u003cb\\u003e \\u0026 é \\u2028 tab\\t nul\\u0000 \\\\ \\b\\f\\u001b\"";

    private static JsonObject ConfigMap(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["k"] = Value },
    };

    [Fact]
    public async Task Get_ConfigMapWithSpecialCharacters_WritesGoBytesAndTrailingNewline()
    {
        var ns = await fx.NamespaceAsync("gojson");
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("cm"));

        var got = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/cm");

        Assert.Equal(201, created.Code);
        Assert.Equal(200, got.Code);
        Assert.Equal(Value, ApiResponse.Str(got.Object["data"]!["k"]));
        Assert.Contains("\"k\":" + GoValue, got.Text, StringComparison.Ordinal);
        Assert.Contains("\"k\":" + GoValue, created.Text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", got.Text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", created.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ConfigMapWithSpecialCharacters_WritesGoBytesAndTrailingNewline()
    {
        var ns = await fx.NamespaceAsync("gojson");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("cm"))).Code);

        var list = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps");

        Assert.Equal(200, list.Code);
        Assert.Contains("\"k\":" + GoValue, list.Text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", list.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ValueStoredByTheOldEncoder_IsServedAsGoWritesIt()
    {
        var ns = await fx.NamespaceAsync("gojson");
        // Bytes as the default .NET encoder stored them before: \u0022 for a quote, \u00E9 for é.
        var old = $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"old\",\"namespace\":\"{ns}\",\"uid\":\"u-1\",\"creationTimestamp\":\"2025-01-01T00:00:00Z\"}},\"data\":{{\"k\":\"\\u0022a\\u0022 \\u003Cb\\u003E \\u00E9\"}}}}";
        await fx.Store.CreateAsync($"/registry/configmaps/{ns}/old", Encoding.UTF8.GetBytes(old), CancellationToken.None);

        var got = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/old");

        Assert.Equal(200, got.Code);
        Assert.Contains("\"k\":\"\\\"a\\\" \\u003cb\\u003e é\"", got.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0022", got.Text, StringComparison.Ordinal);
        Assert.Contains("\"resourceVersion\":", got.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NameWithQuote_StatusMessageEscapesQuoteAsGoDoes()
    {
        var ns = await fx.NamespaceAsync("gojson");

        var response = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("bad\"name"));

        Assert.Equal(422, response.Code);
        Assert.Contains("bad\\\"name", response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0022", response.Text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", response.Text, StringComparison.Ordinal);
        Assert.Empty((await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps")).Object["items"]!.AsArray());
    }

    [Fact]
    public async Task Status_Failure_HasUpstreamFieldOrder()
    {
        var ns = await fx.NamespaceAsync("gojson");

        var response = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/missing");

        Assert.Equal(404, response.Code);
        var keys = response.Object.Select(p => p.Key).ToArray();
        Assert.Equal(["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"], keys);
    }

    [Fact]
    public async Task Watch_ConfigMapWithSpecialCharacters_EventCarriesGoBytes()
    {
        var ns = await fx.NamespaceAsync("gojson");
        var rv = await fx.RevisionAsync();
        await using var watch = await fx.Client.WatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}", CancellationToken.None);

        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("cm"))).Code);
        var line = await watch.NextLineAsync();

        Assert.NotNull(line);
        Assert.StartsWith("{\"type\":\"ADDED\"", line, StringComparison.Ordinal);
        Assert.Contains("\"k\":" + GoValue, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_Response_EndsWithNewline()
    {
        var response = await fx.Client.GetAsync("/api/v1");

        Assert.Equal(200, response.Code);
        Assert.EndsWith("}\n", response.Text, StringComparison.Ordinal);
    }
}
