using FsCheck.Fluent;
using Timonel.Registry.Protobuf;
using Xunit;
using static Timonel.Api.Tests.Protobuf.ProtoWriter;

namespace Timonel.Api.Tests.Fuzz;

public sealed class ProtobufDecoderProperties
{
    private static readonly ProtobufDecoder Decoder = new(ProtoSchema.Load());

    private static readonly byte[][] Seeds =
    [
        Envelope("v1", "ConfigMap", Msg(Field(1, Msg(Str(1, "cm"), Msg(11, Str(1, "a"), Str(2, "b")), Msg(8, Varint(1, 1_700_000_000)))), Msg(2, Str(1, "k"), Str(2, "v")))),
        Envelope("apps/v1", "Deployment", Msg(
            Field(1, Msg(Str(1, "web"))),
            Msg(2, Varint(1, 2), Msg(3, Msg(1, Msg(11, Str(1, "a"), Str(2, "b"))), Msg(2, Field(2, Msg(Str(1, "web"), Str(2, "nginx"), Msg(6, Varint(3, 80))))))))),
        Envelope("v1", "Service", Msg(Field(1, Msg(Str(1, "svc"))), Msg(2, Field(1, Msg(Str(2, "TCP"), Varint(3, 80), Msg(4, Varint(1, 1), Str(3, "http"))))))),
        Envelope("apps/v1", "ControllerRevision", Msg(Field(1, Msg(Str(1, "r"))), Msg(2, Str(1, """{"a":[1,{"b":"c"}]}""")), Varint(3, 1))),
    ];

    private static readonly byte[][] Tokens =
    [
        [0x0A], [0x12], [0x08], [0x09], [0x0D], [0x0B], [0x0C], [0x0F], [0x80], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0x00], [0x7F], [0x6B, 0x38, 0x73, 0x00],
    ];

    [Fact]
    public void Decode_MutatedBodies_DecodeOrThrow4xx() =>
        Fuzz.Check(Fuzz.Mutations(Seeds, Tokens), body => Decoder.Decode(body), cases: 3000);

    [Fact]
    public void Decode_RandomBytesAfterTheEnvelope_DecodeOrThrow4xx() =>
        Fuzz.Check(Fuzz.Noise([0x00, 0x01, 0x02, 0x08, 0x0A, 0x10, 0x12, 0x1A, 0x22, 0x80, 0xFF]).Select(b => (byte[])[0x6B, 0x38, 0x73, 0x00, .. b]), body => Decoder.Decode(body), cases: 3000);
}
