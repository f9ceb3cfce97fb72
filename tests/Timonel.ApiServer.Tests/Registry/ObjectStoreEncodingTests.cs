using System.Text.Json.Nodes;
using Timonel.ApiServer.Registry;
using Timonel.Storage;
using Xunit;

namespace Timonel.ApiServer.Tests.Registry;

public sealed class ObjectStoreEncodingTests
{
    [Fact]
    public void Encode_PutsMetadataFirstAndDropsResourceVersion()
    {
        var obj = JsonNode.Parse("""{"spec":{"template":{"metadata":{"name":"inner"}}},"kind":"Pod","metadata":{"resourceVersion":"7","name":"a"},"apiVersion":"v1"}""")!.AsObject();

        var json = System.Text.Encoding.UTF8.GetString(ObjectStore.Encode(obj));

        Assert.Equal("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"template":{"metadata":{"name":"inner"}}}}""", json);
        Assert.Equal("7", obj["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public void RawWithRevision_SplicesTopLevelResourceVersion_EqualToDecode()
    {
        var obj = JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"{"}},"data":{"k":"\"metadata\":{"}}""")!.AsObject();
        var kv = new KeyValue("/registry/configmaps/ns/a", ObjectStore.Encode(obj), 3, 42);

        var raw = ObjectStore.RawWithRevision(kv);

        Assert.NotNull(raw);
        var spliced = JsonNode.Parse(raw)!;
        Assert.Equal("42", spliced["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(spliced, ObjectStore.Decode(kv).Object));
    }

    [Fact]
    public void RawWithRevision_UnexpectedLayout_ReturnsNull()
    {
        var kv = new KeyValue("/k", System.Text.Encoding.UTF8.GetBytes("""{"spec":{"metadata":{"name":"x"}},"metadata":{"name":"a"}}"""), 1, 1);

        Assert.Null(ObjectStore.RawWithRevision(kv));
    }
}
