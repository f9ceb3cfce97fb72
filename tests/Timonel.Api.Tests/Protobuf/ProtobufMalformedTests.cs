using System.Text;
using Timonel.Api.Errors;
using Timonel.Registry.Protobuf;
using Xunit;
using static Timonel.Api.Tests.Protobuf.ProtoWriter;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>Every malformed protobuf body is a 400 in upstream's words, never another exception.</summary>
public sealed class ProtobufMalformedTests
{
    private static readonly ProtobufDecoder Decoder = new(ProtoSchema.Load());

    private static readonly byte[] Magic = [0x6B, 0x38, 0x73, 0x00];

    public static TheoryData<byte[], string> Malformed => new()
    {
        { [.. Magic, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "proto: negative length found during unmarshaling" },
        { [.. Magic, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "proto: negative length found during unmarshaling" },
        { [.. Magic, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "proto: integer overflow" },
        { [.. Magic, 0x0A, 0x80], "unexpected EOF" },
        { [.. Magic, 0x0A, 0x05, 0x01], "unexpected EOF" },
        { [.. Magic, 0x09, 0x01], "unexpected EOF" },
        { [.. Magic, 0x0D, 0x01], "unexpected EOF" },
        { [.. Magic, 0x0B], "proto: illegal wireType 3" },
        { [.. Magic, 0x0F], "proto: illegal wireType 7" },
        // A ConfigMap whose metadata (a message) arrives as a varint.
        { Envelope("v1", "ConfigMap", [0x08, 0x01]), "proto: wrong wireType = 0 for field metadata" },
        // Service.spec.ports[0].port (int32) sent length-delimited, not packed-able inside a message.
        { Envelope("v1", "Service", Msg(2, Field(1, Str(3, "x")))), "proto: wrong wireType = 2" },
        // A time before year 1.
        { Envelope("v1", "ConfigMap", Msg(1, Msg(8, Varint(1, unchecked((ulong)long.MinValue))))), "proto: timestamp out of range" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Decode_Malformed_Throws400InUpstreamWords(byte[] body, string message)
    {
        var e = Assert.Throws<ApiException>(() => Decoder.Decode(body));

        Assert.Equal(400, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_EveryTruncationOfAValidBody_IsDecodedOr400()
    {
        var container = Msg(Str(1, "web"), Str(2, "nginx"), Msg(6, Varint(3, 80)));
        var body = Envelope("apps/v1", "Deployment", Msg(Field(1, Msg(Str(1, "web"))), Msg(2, Varint(1, 2), Msg(3, Msg(1, Msg(11, Str(1, "a"), Str(2, "b"))), Msg(2, Field(2, container))))));
        Assert.Equal("web", Decoder.Decode(body)["metadata"]!["name"]!.GetValue<string>());

        for (var length = 0; length < body.Length; length++)
        {
            try
            {
                Decoder.Decode(body.AsSpan(0, length));
            }
            catch (ApiException e)
            {
                Assert.Equal(400, e.Code);
            }
        }
    }

    [Fact]
    public void Decode_RawExtensionNestedPastTheLimit_Throws400()
    {
        var deep = new string('[', 300) + new string(']', 300);
        var body = Envelope("apps/v1", "ControllerRevision", Msg(Field(1, Msg(Str(1, "r"))), Msg(2, Str(1, deep)), Varint(3, 1)));

        var e = Assert.Throws<ApiException>(() => Decoder.Decode(body));

        Assert.Equal(400, e.Code);
        Assert.Contains("depth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RawExtensionWithInvalidUtf8_ReadsItAsReplacementCharacter()
    {
        byte[] raw = [.. "{\"k\":\""u8, 0xFF, .. "\"}"u8];
        var body = Envelope("apps/v1", "ControllerRevision", Msg(Field(1, Msg(Str(1, "r"))), Msg(2, Bytes(1, raw)), Varint(3, 1)));

        var json = Decoder.Decode(body);

        Assert.Equal("\uFFFD", json["data"]!["k"]!.GetValue<string>());
        Assert.NotNull(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(json.ToJsonString())));
    }
}
