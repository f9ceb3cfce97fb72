using System.Text.Json.Nodes;
using Timonel.Registry.CustomResources;
using Xunit;

namespace Timonel.Api.Tests.CustomResources;

public sealed class SimpleJsonPathTests
{
    private static readonly JsonObject Obj = JsonNode.Parse("""
        {"metadata":{"name":"x","labels":{"a.b/c":"v"}},
         "spec":{"replicas":3,"items":[{"n":1},{"n":2}]},
         "status":{"conditions":[{"type":"Other","status":"False"},{"type":"Ready","status":"True"}]}}
        """)!.AsObject();

    [Theory]
    [InlineData(".spec.replicas", "3")]
    [InlineData("spec.replicas", "3")]
    [InlineData("{.spec.replicas}", "3")]
    [InlineData(".spec.items[1].n", "2")]
    [InlineData(".spec.items[-1].n", "2")]
    [InlineData(".spec.items[*].n", "1")]
    [InlineData(".metadata.labels['a.b/c']", "\"v\"")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "\"True\"")]
    [InlineData(".status.conditions[?(@.type=='Other')].status", "\"False\"")]
    public void First_SupportedForms_FindTheValue(string path, string expected)
    {
        var parsed = SimpleJsonPath.Parse(path);

        Assert.Null(parsed.Error);
        Assert.Equal(expected, parsed.First(Obj)?.ToJsonString());
    }

    [Theory]
    [InlineData(".spec.missing")]
    [InlineData(".spec.items[5].n")]
    [InlineData(".status.conditions[?(@.type==\"Gone\")].status")]
    [InlineData(".spec.replicas.deeper")]
    public void First_NothingThere_IsNull(string path) => Assert.Null(SimpleJsonPath.Parse(path).First(Obj));

    [Theory]
    [InlineData(".spec[")]
    [InlineData(".spec[abc]")]
    public void Parse_Malformed_HasError(string path) => Assert.NotNull(SimpleJsonPath.Parse(path).Error);
}
