using System.Text;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// Bodies built to hurt the decoders (found by fuzzing): each is a 400 Status, or accepted
/// where upstream accepts it, and the server keeps serving with nothing half-written.
/// </summary>
public sealed class HostileBodyTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Yaml = "application/yaml";
    private const string Protobuf = "application/vnd.kubernetes.protobuf";

    // Nine levels of ten aliases each: 386 bytes that expand to a billion strings.
    private static readonly string BillionLaughs = string.Join("\n",
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]",
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]",
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]",
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]",
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]",
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]",
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]",
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]",
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]",
        "kind: ConfigMap\nmetadata: {name: laughs}\n");

    public static TheoryData<string, string, string> RefusedYaml => new()
    {
        { "self-alias", "a: &a [*a]", "anchor 'a' value contains itself" },
        { "self-alias-map", "metadata: &m {name: self-alias-map, x: *m}", "anchor 'm' value contains itself" },
        { "laughs", BillionLaughs, "document contains excessive aliasing" },
        { "deep-flow", new string('[', 100_000), "exceeded max depth of 256" },
        { "deep-block", string.Concat(Enumerable.Range(0, 300).Select(i => new string(' ', i) + "k:\n")), "exceeded max depth of 256" },
        { "deep-by-alias", DeepByAlias(), "exceeded max depth of 256" },
        { "unknown-anchor", "metadata: {name: *nowhere}", "unknown anchor 'nowhere' referenced" },
        { "lone-surrogate", "metadata: {name: \"\\ud800\"}", "invalid Unicode" },
        { "two-documents", "metadata: {name: a}\n---\nmetadata: {name: b}\n", "several YAML documents" },
    };

    [Theory]
    [MemberData(nameof(RefusedYaml))]
    public async Task CreateYaml_HostileDocument_Is400AndServerKeepsServing(string name, string yaml, string message)
    {
        var ns = await fx.NamespaceAsync("hostile-yaml");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), yaml, Yaml));

        ApiAssert.Failure(response, 400, "BadRequest", "YAML", message);
        await AssertNothingWrittenAndServingAsync(ns, name);
    }

    [Fact]
    public async Task CreateYaml_InvalidUtf8_Is400()
    {
        var ns = await fx.NamespaceAsync("hostile-yaml");
        byte[] body = [.. "metadata: {name: bad-utf8}\ndata: {k: \"a"u8, 0xC3, 0x28, .. "\"}\n"u8];

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendBytesAsync(HttpMethod.Post, ConfigMaps(ns), body, Yaml));

        ApiAssert.Failure(response, 400, "BadRequest", "YAML", "UTF-8");
        await AssertNothingWrittenAndServingAsync(ns, "bad-utf8");
    }

    [Fact]
    public async Task CreateYaml_NumberBeyondFloat64_IsKeptAsString()
    {
        // go-yaml cannot parse 1e400 as a float64, so sigs.k8s.io/yaml keeps it a string.
        var ns = await fx.NamespaceAsync("hostile-yaml");

        var response = await fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), "kind: ConfigMap\nmetadata: {name: huge-number}\ndata: {n: 1e400}\n", Yaml);

        Assert.True(response.Code == 201, response.ToString());
        Assert.Equal("1e400", ApiResponse.Str(response.Object["data"]!["n"]));
    }

    [Fact]
    public async Task CreateYaml_NumberBeyondFloat64InIntField_Is400()
    {
        var ns = await fx.NamespaceAsync("hostile-yaml");
        const string Body = "kind: Service\nmetadata: {name: huge-port}\nspec:\n  ports: [{port: 1e400}]\n";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/services", Body, Yaml));

        ApiAssert.Failure(response, 400, "BadRequest",
            "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32");
        Assert.Equal(404, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/services/huge-port")).Code);
    }

    [Fact]
    public async Task CreateYaml_Utf8ByteOrderMark_IsAccepted()
    {
        var ns = await fx.NamespaceAsync("hostile-yaml");
        byte[] body = [0xEF, 0xBB, 0xBF, .. "kind: ConfigMap\nmetadata: {name: with-bom}\ndata: {k: v}\n"u8];

        var response = await fx.Client.SendBytesAsync(HttpMethod.Post, ConfigMaps(ns), body, Yaml);

        Assert.True(response.Code == 201, response.ToString());
        Assert.Equal("v", ApiResponse.Str(response.Object["data"]!["k"]));
    }

    [Fact]
    public async Task CreateJson_InvalidUtf8InString_IsAcceptedWithReplacementCharacter()
    {
        // Go's encoding/json reads each invalid byte as U+FFFD, so upstream stores the object.
        var ns = await fx.NamespaceAsync("hostile-json");
        byte[] body = [.. "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"bad-utf8\"},\"data\":{\"k\":\"a"u8, 0xC3, 0x28, .. "b\"}}"u8];

        var response = await fx.Client.SendBytesAsync(HttpMethod.Post, ConfigMaps(ns), body, ApiClient.Json);

        Assert.True(response.Code == 201, response.ToString());
        Assert.Equal("a\uFFFD(b", ApiResponse.Str((await fx.Client.GetAsync($"{ConfigMaps(ns)}/bad-utf8")).Object["data"]!["k"]));
    }

    [Fact]
    public async Task CreateJson_LoneSurrogateEscape_IsAcceptedWithReplacementCharacter()
    {
        var ns = await fx.NamespaceAsync("hostile-json");
        const string Body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"surrogate\"},\"data\":{\"k\":\"x\\ud800y\\udc00\"}}";

        var response = await fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), Body, ApiClient.Json);

        Assert.True(response.Code == 201, response.ToString());
        Assert.Equal("x\uFFFDy\uFFFD", ApiResponse.Str((await fx.Client.GetAsync($"{ConfigMaps(ns)}/surrogate")).Object["data"]!["k"]));
    }

    [Fact]
    public async Task CreateJson_NestedDeeperThanLimit_Is400()
    {
        var ns = await fx.NamespaceAsync("hostile-json");
        var body = "{\"metadata\":{\"name\":\"deep\"},\"data\":" + new string('[', 300) + new string(']', 300) + "}";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), body, ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest", "not valid JSON", "depth");
        await AssertNothingWrittenAndServingAsync(ns, "deep");
    }

    public static TheoryData<string, byte[], string> RefusedProtobuf => new()
    {
        // Field 1 (TypeMeta) with a length that does not fit in an int.
        { "length-overflow", [0x6B, 0x38, 0x73, 0x00, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "proto: negative length found during unmarshaling" },
        { "varint-overflow", [0x6B, 0x38, 0x73, 0x00, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "proto: integer overflow" },
        { "length-past-end", [0x6B, 0x38, 0x73, 0x00, 0x0A, 0x10, 0x0A], "unexpected EOF" },
        { "fixed64-cut-short", [0x6B, 0x38, 0x73, 0x00, 0x19, 0x01, 0x02], "unexpected EOF" },
        { "end-group", [0x6B, 0x38, 0x73, 0x00, 0x0C], "proto: illegal wireType 4" },
        { "no-envelope", [0x0A, 0x00], "k8s" },
    };

    [Theory]
    [MemberData(nameof(RefusedProtobuf))]
    public async Task CreateProtobuf_Malformed_Is400AndServerKeepsServing(string name, byte[] body, string message)
    {
        var ns = await fx.NamespaceAsync("hostile-proto");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendBytesAsync(HttpMethod.Post, ConfigMaps(ns), body, Protobuf));

        ApiAssert.Failure(response, 400, "BadRequest", "protobuf", message);
        await AssertNothingWrittenAndServingAsync(ns, name);
    }

    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    /// <summary>Anchors that each wrap the previous one 100 levels deeper: shallow as text, 500 levels once expanded.</summary>
    private static string DeepByAlias()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 5; i++)
        {
            text.Append($"a{i}: &a{i} ").Append('[', 100).Append(i == 0 ? "x" : $"*a{i - 1}").Append(']', 100).Append('\n');
        }

        return text.ToString();
    }

    private async Task AssertNothingWrittenAndServingAsync(string ns, string name)
    {
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/{name}")).Code);
        var list = await fx.Client.GetAsync(ConfigMaps(ns));
        Assert.True(list.Code == 200, list.ToString());
        Assert.Empty(list.Object["items"]!.AsArray());
    }
}
