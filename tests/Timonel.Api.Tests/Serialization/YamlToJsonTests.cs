using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Xunit;

namespace Timonel.Api.Tests.Serialization;

public sealed class YamlToJsonTests
{
    [Fact]
    public void Convert_AliasesWithinTheRatio_ExpandToCopies()
    {
        var json = YamlToJson.Convert("base: &b {image: nginx, ports: [80, 443]}\nweb: *b\napi: *b\n")!;

        Assert.Equal("""{"base":{"image":"nginx","ports":[80,443]},"web":{"image":"nginx","ports":[80,443]},"api":{"image":"nginx","ports":[80,443]}}""", json.ToJsonString());
    }

    [Theory]
    [InlineData("a: &a [*a]", "anchor 'a' value contains itself")]
    [InlineData("a: &a {b: [1, {c: *a}]}", "anchor 'a' value contains itself")]
    [InlineData("a: *missing", "unknown anchor 'missing' referenced")]
    public void Convert_BadAlias_Throws400(string yaml, string message)
    {
        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(yaml));

        Assert.Equal(400, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_ExponentialAliases_ThrowsBeforeExpanding()
    {
        var yaml = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 9; i++)
        {
            yaml.Append($"l{i}: &l{i} [").AppendJoin(", ", Enumerable.Repeat($"*l{i - 1}", 10)).Append("]\n");
        }

        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(yaml.ToString()));

        Assert.Equal(400, e.Code);
        Assert.Contains("document contains excessive aliasing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_AliasShareUnder99Percent_IsAccepted()
    {
        // 2,000 plain nodes may bring ~100x as many through aliases (go-yaml allows 99%).
        var yaml = new StringBuilder("base: &b [").AppendJoin(", ", Enumerable.Repeat("x", 2000)).Append("]\ncopies: [");
        yaml.AppendJoin(", ", Enumerable.Repeat("*b", 50)).Append(']');

        var json = YamlToJson.Convert(yaml.ToString())!;

        Assert.Equal(50, json["copies"]!.AsArray().Count);
    }

    [Fact]
    public void Convert_AliasShareOver99Percent_Throws()
    {
        var yaml = new StringBuilder("base: &b [").AppendJoin(", ", Enumerable.Repeat("x", 2000)).Append("]\ncopies: [");
        yaml.AppendJoin(", ", Enumerable.Repeat("*b", 150)).Append(']');

        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(yaml.ToString()));

        Assert.Contains("excessive aliasing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(256, true)]
    [InlineData(257, false)]
    public void Convert_NestingAtTheLimit_IsTheBoundary(int depth, bool accepted)
    {
        var yaml = new string('[', depth) + new string(']', depth);

        if (accepted)
        {
            Assert.NotNull(YamlToJson.Convert(yaml));
        }
        else
        {
            var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(yaml));
            Assert.Contains("exceeded max depth of 256", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Convert_AMillionOpenBrackets_Throws400WithoutOverflowingTheStack()
    {
        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(new string('[', 1_000_000)));

        Assert.Equal(400, e.Code);
    }

    [Fact]
    public void Convert_AliasesNestingPastTheLimit_Throws()
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < 3; i++)
        {
            yaml.Append($"a{i}: &a{i} ").Append('[', 100).Append(i == 0 ? "x" : $"*a{i - 1}").Append(']', 100).Append('\n');
        }

        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(yaml.ToString()));

        Assert.Contains("exceeded max depth of 256", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("n: 1e400", "\"1e400\"")]
    [InlineData("n: -1e400", "\"-1e400\"")]
    [InlineData("n: 1.5e3", "1500")]
    [InlineData("n: 42", "42")]
    [InlineData("n: '42'", "\"42\"")]
    [InlineData("n: !!str 42", "\"42\"")]
    [InlineData("n: ~", "null")]
    [InlineData("n: True", "true")]
    public void Convert_Scalars_ResolveAsSigsYaml(string yaml, string value)
    {
        Assert.Equal($"{{\"n\":{value}}}", YamlToJson.Convert(yaml)!.ToJsonString());
    }

    [Fact]
    public void Convert_Utf8ByteOrderMark_IsSkipped()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. "a: b"u8];

        Assert.Equal("""{"a":"b"}""", YamlToJson.Convert(body)!.ToJsonString());
    }

    [Fact]
    public void Convert_Utf16WithByteOrderMark_IsRead()
    {
        byte[] body = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("a: b")];

        Assert.Equal("""{"a":"b"}""", YamlToJson.Convert(body)!.ToJsonString());
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x3A, 0x20, 0xC3, 0x28 })]
    [InlineData(new byte[] { 0x61, 0x3A, 0x20, 0xFF })]
    [InlineData(new byte[] { 0x61, 0x3A, 0x20, 0xED, 0xA0, 0x80 })]
    public void Convert_InvalidUtf8_Throws400(byte[] body)
    {
        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(body));

        Assert.Equal(400, e.Code);
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: \"\\ud800\"")]
    [InlineData("\"\\udc00\": b")]
    public void Convert_EscapedHalfSurrogate_Throws400(string yaml)
    {
        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(yaml));

        Assert.Contains("invalid Unicode", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: b\n---\nc: d")]
    [InlineData("a: b\na: c")]
    [InlineData("[a]: b")]
    [InlineData("a: [b")]
    [InlineData("%YAML 9.9\n--- a")]
    [InlineData("!<tag:x> &a *b")]
    [InlineData("a: !!binary ]")]
    public void Convert_Malformed_Throws400(string yaml)
    {
        var e = Assert.Throws<ApiException>(() => YamlToJson.Convert(yaml));

        Assert.Equal(400, e.Code);
        Assert.Contains("YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_AliasAsKey_UsesTheScalar()
    {
        var json = YamlToJson.Convert("k: &k name\n*k : v\n")!;

        Assert.Equal("v", json["name"]!.GetValue<string>());
    }

    [Fact]
    public void Convert_EmptyStream_IsNull()
    {
        Assert.Null(YamlToJson.Convert(""));
        Assert.Null(YamlToJson.Convert("# only a comment\n"));
        Assert.IsType<JsonObject>(YamlToJson.Convert("{}"));
    }
}
