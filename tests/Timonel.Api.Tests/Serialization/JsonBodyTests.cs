using System.Text;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Xunit;

namespace Timonel.Api.Tests.Serialization;

public sealed class JsonBodyTests
{
    [Fact]
    public void Parse_InvalidUtf8InString_ReadsEachBadByteAsReplacementCharacter()
    {
        byte[] body = [.. "{\"k\":\"a"u8, 0xC3, 0x28, 0xE2, 0x82, .. "b\"}"u8];

        var json = JsonBody.Parse(body);

        // As Go's encoding/json: one U+FFFD per byte that does not start a valid sequence.
        Assert.Equal("a\uFFFD(\uFFFD\uFFFDb", json["k"]!.GetValue<string>());
    }

    [Fact]
    public void Parse_EncodedSurrogate_IsReplacedPerByte()
    {
        byte[] body = [.. "{\"k\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8];

        Assert.Equal("\uFFFD\uFFFD\uFFFD", JsonBody.Parse(body)["k"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"k":"\ud800"}""", "\uFFFD")]
    [InlineData("""{"k":"\udc00x"}""", "\uFFFDx")]
    [InlineData("""{"k":"\ud800\u0041"}""", "\uFFFDA")]
    [InlineData("""{"k":"\ud83d\ude00"}""", "\U0001F600")]
    [InlineData("""{"k":"\\ud800"}""", "\\ud800")]
    [InlineData("""{"\ud800":"v"}""", null)]
    public void Parse_SurrogateEscapes_KeepPairsAndReplaceHalves(string text, string? value)
    {
        var json = JsonBody.Parse(Encoding.UTF8.GetBytes(text));

        if (value is null)
        {
            Assert.Equal("v", json["\uFFFD"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal(value, json["k"]!.GetValue<string>());
        }

        Assert.NotNull(json.ToJsonString());
    }

    [Fact]
    public void Parse_ValidBody_IsNotCopied()
    {
        var body = """{"k":"\u003c"}"""u8.ToArray();

        Assert.Same(body, JsonUnicode.Repair(body));
    }

    [Theory]
    [InlineData(256, true)]
    [InlineData(257, false)]
    public void Parse_NestingAtTheLimit_IsTheBoundary(int depth, bool accepted)
    {
        var body = Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));

        if (accepted)
        {
            Assert.NotNull(JsonBody.Parse(body));
        }
        else
        {
            Assert.Equal(400, Assert.Throws<ApiException>(() => JsonBody.Parse(body)).Code);
        }
    }

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"a\":")]
    [InlineData("null")]
    [InlineData("{\"a\":\"\\u12\"}")]
    public void Parse_Malformed_Throws400(string text)
    {
        Assert.Equal(400, Assert.Throws<ApiException>(() => JsonBody.Parse(Encoding.UTF8.GetBytes(text))).Code);
    }

    [Fact]
    public void Parse_InvalidUtf8OutsideStrings_Throws400()
    {
        byte[] body = [.. "{\"a\":1"u8, 0xFF, .. "}"u8];

        Assert.Equal(400, Assert.Throws<ApiException>(() => JsonBody.Parse(body)).Code);
    }
}
