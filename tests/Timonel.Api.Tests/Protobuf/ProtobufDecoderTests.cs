using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Protobuf;
using Xunit;
using static Timonel.Api.Tests.Protobuf.ProtoWriter;

namespace Timonel.Api.Tests.Protobuf;

public sealed class ProtobufDecoderTests
{
    private static readonly ProtobufDecoder Decoder = new(ProtoSchema.Load());

    [Fact]
    public void Decode_Namespace_GivesJsonWithTypeMetaAndName()
    {
        var meta = Msg(Str(1, "demo"), Str(2, ""), Msg(8, Varint(1, unchecked((ulong)-62135596800L))));
        var body = Envelope("v1", "Namespace", Msg(Field(1, meta), Msg(2), Msg(3)));

        var json = Decoder.Decode(body);

        Assert.Equal("v1", json["apiVersion"]!.GetValue<string>());
        Assert.Equal("Namespace", json["kind"]!.GetValue<string>());
        Assert.Equal("demo", json["metadata"]!["name"]!.GetValue<string>());
        // Zero values of omitempty fields (generateName "", the zero creationTimestamp) are dropped as Go's JSON would.
        Assert.Null(json["metadata"]!["generateName"]);
        Assert.False(json["metadata"]!.AsObject().ContainsKey("creationTimestamp"));
    }

    [Fact]
    public void Decode_DeploymentWithExplicitZeroReplicas_KeepsPointerZeroAndDropsValueZero()
    {
        var container = Msg(Str(1, "web"), Str(2, "nginx:1.27"), Msg(6, Varint(3, 80), Str(4, "TCP")));
        var template = Msg(Msg(1, Msg(11, Str(1, "app"), Str(2, "web"))), Field(2, Msg(Field(2, container))));
        var spec = Msg(Varint(1, 0), Msg(2, Msg(1, Str(1, "app"), Str(2, "web"))), Field(3, template), Varint(5, 0));
        var body = Envelope("apps/v1", "Deployment", Msg(Field(1, Msg(Str(1, "web"))), Field(2, spec)));

        var json = Decoder.Decode(body);

        Assert.Equal(0, json["spec"]!["replicas"]!.GetValue<int>());
        Assert.False(json["spec"]!.AsObject().ContainsKey("minReadySeconds"));
        Assert.Equal("web", json["spec"]!["selector"]!["matchLabels"]!["app"]!.GetValue<string>());
        var c = json["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("nginx:1.27", c["image"]!.GetValue<string>());
        Assert.Equal(80, c["ports"]![0]!["containerPort"]!.GetValue<int>());
    }

    [Fact]
    public void Decode_SecretBytesAndServiceIntOrString_MapToJsonForms()
    {
        var secret = Decoder.Decode(Envelope("v1", "Secret", Msg(Field(1, Msg(Str(1, "s"))), Msg(2, Str(1, "pw"), Str(2, "hunter2")), Str(3, "Opaque"))));
        Assert.Equal(Convert.ToBase64String("hunter2"u8.ToArray()), secret["data"]!["pw"]!.GetValue<string>());

        var port = Msg(Str(2, "TCP"), Varint(3, 80), Msg(4, Varint(1, 0), Varint(2, 8080)));
        var svc = Decoder.Decode(Envelope("v1", "Service", Msg(Field(1, Msg(Str(1, "svc"))), Msg(2, Field(1, port)))));
        Assert.Equal(8080, svc["spec"]!["ports"]![0]!["targetPort"]!.GetValue<long>());
    }

    [Fact]
    public void Decode_VolumeSource_IsInlinedIntoVolume()
    {
        var volume = Msg(Str(1, "data"), Msg(2, Msg(2, Str(1, "Memory"))));
        var podSpec = Msg(Field(1, volume), Field(2, Msg(Str(1, "c"), Str(2, "busybox"))));
        var pod = Decoder.Decode(Envelope("v1", "Pod", Msg(Field(1, Msg(Str(1, "p"))), Field(2, podSpec))));

        var v = pod["spec"]!["volumes"]![0]!;
        Assert.Equal("data", v["name"]!.GetValue<string>());
        Assert.Equal("Memory", v["emptyDir"]!["medium"]!.GetValue<string>());
        Assert.Null(v["volumeSource"]);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f })]
    public void Decode_Malformed_Throws400(byte[] body)
    {
        var e = Assert.Throws<ApiException>(() => Decoder.Decode(body));
        Assert.Equal(400, e.Code);
    }

    [Fact]
    public void Decode_UnknownKind_Throws400NamingIt()
    {
        var e = Assert.Throws<ApiException>(() => Decoder.Decode(Envelope("example.com/v1", "Widget", [])));
        Assert.Equal(400, e.Code);
        Assert.Contains("Widget", e.Message, StringComparison.Ordinal);
    }
}
