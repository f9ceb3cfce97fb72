using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Serialization;
using Xunit;

namespace Timonel.Api.Tests.Serialization;

public sealed class GoJsonEncoderTests
{
    // Expected values as Go 1.22+ encoding/json writes them (json.Marshal, HTML escaping on).
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("<b>&", "\"\\u003cb\\u003e\\u0026\"")]
    [InlineData("\n\r\t", "\"\\n\\r\\t\"")]
    [InlineData("\b\f", "\"\\b\\f\"")]
    [InlineData("\u0000\u0001\u001f", "\"\\u0000\\u0001\\u001f\"")]
    [InlineData("\u000b\u001b", "\"\\u000b\\u001b\"")]
    [InlineData("\u2028\u2029", "\"\\u2028\\u2029\"")]
    [InlineData("é—日本", "\"é—日本\"")]
    [InlineData("\U0001F600", "\"\U0001F600\"")]
    [InlineData("\u007f\u0080\u00a0", "\"\u007f\u0080\u00a0\"")]
    [InlineData("'+`", "\"'+`\"")]
    [InlineData("\uFFFD", "\"\uFFFD\"")]
    [InlineData("/", "\"/\"")]
    public void Serialize_String_WritesGoBytes(string value, string expected)
    {
        var fromString = JsonSerializer.SerializeToUtf8Bytes(JsonValue.Create(value), GoJsonEncoder.SerializerOptions);
        // A parsed document re-written goes through the UTF-8 escaping path instead.
        var parsed = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(value))!;
        var fromParsed = JsonSerializer.SerializeToUtf8Bytes(parsed, GoJsonEncoder.SerializerOptions);

        Assert.Equal(expected, Encoding.UTF8.GetString(fromString));
        Assert.Equal(expected, Encoding.UTF8.GetString(fromParsed));
    }

    [Fact]
    public void Serialize_PropertyName_IsEscapedTheSameWay()
    {
        var obj = new JsonObject { ["a\"<é"] = 1 };

        Assert.Equal("{\"a\\\"\\u003cé\":1}", obj.ToJsonString(GoJsonEncoder.SerializerOptions));
    }

    [Fact]
    public void Serialize_LoneSurrogate_WritesReplacementCharacter()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(JsonValue.Create("a\ud800b"), GoJsonEncoder.SerializerOptions);

        Assert.Equal("\"a\uFFFDb\"", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Writer_InvalidUtf8Value_WritesReplacementCharacter()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, GoJsonEncoder.WriterOptions))
        {
            w.WriteStringValue([(byte)'a', 0xC3, (byte)'(', (byte)'"']);
        }

        Assert.Equal("\"a\uFFFD(\\\"\"", Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Fact]
    public void Serialize_DefaultEncoder_DiffersFromGo()
    {
        // Shows the test above can fail: the default encoder escapes what Go leaves raw.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(JsonValue.Create("\"é"));

        Assert.NotEqual("\"\\\"é\"", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void OnlyGoEscapes_TextWrittenByGoJsonEncoder_IsTrue()
    {
        // Every character class the encoder escapes: stored values like these keep the raw GET fast path.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(
            new JsonObject { ["k"] = "\"<>&\u2028\u2029\u0000\u001f\u000b\b\f\n\r\t\\é" }, GoJsonEncoder.SerializerOptions);

        Assert.True(GoJsonEscapes.OnlyGoEscapes(bytes));
    }

    [Theory]
    [InlineData("{\"k\":\"\\u0022\"}")]
    [InlineData("{\"k\":\"\\u003C\"}")]
    [InlineData("{\"k\":\"\\u00E9\"}")]
    [InlineData("{\"k\":\"\\u001B\"}")]
    [InlineData("{\"k\":\"\\u000a\"}")]
    [InlineData("{\"k\":\"\\u00")]
    public void OnlyGoEscapes_DefaultEncoderEscapes_IsFalse(string json)
    {
        Assert.False(GoJsonEscapes.OnlyGoEscapes(Encoding.UTF8.GetBytes(json)));
    }
}
