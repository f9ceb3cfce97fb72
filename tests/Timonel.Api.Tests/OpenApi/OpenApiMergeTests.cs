using System.Text.Json.Nodes;
using Timonel.Registry.OpenApi;
using Xunit;

namespace Timonel.Api.Tests.OpenApi;

public sealed class OpenApiMergeTests
{
    private static JsonObject Doc(string paths, string definitions) =>
        JsonNode.Parse("{\"swagger\":\"2.0\",\"paths\":{" + paths + "},\"definitions\":{" + definitions + "}}")!.AsObject();

    [Fact]
    public void MergeV2_ConflictingDefinition_RenamedAndRefsRewritten()
    {
        var local = Doc("""
            "/api/v1/pods":{"get":{"operationId":"local"}}
            """, """
            "Meta":{"description":"ours"}
            """);
        var backend = Doc("""
            "/api/v1/pods":{"get":{"operationId":"theirs"}},
            "/apis/w/v1/flunders":{"get":{"responses":{"200":{"schema":{"$ref":"#/definitions/Flunder"}}}}}
            """, """
            "Meta":{"description":"theirs"},
            "Flunder":{"properties":{"metadata":{"$ref":"#/definitions/Meta"},"items":{"type":"array","items":{"$ref":"#/definitions/Meta"}}}}
            """);

        OpenApiMerge.MergeV2(local, [backend]);

        // The server's own path wins; the backend's new path is added.
        Assert.Equal("local", local["paths"]!["/api/v1/pods"]!["get"]!["operationId"]!.GetValue<string>());
        Assert.Equal("#/definitions/Flunder", local["paths"]!["/apis/w/v1/flunders"]!["get"]!["responses"]!["200"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.Equal("ours", local["definitions"]!["Meta"]!["description"]!.GetValue<string>());
        Assert.Equal("theirs", local["definitions"]!["Meta_v2"]!["description"]!.GetValue<string>());
        Assert.Equal("#/definitions/Meta_v2", local["definitions"]!["Flunder"]!["properties"]!["metadata"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/definitions/Meta_v2", local["definitions"]!["Flunder"]!["properties"]!["items"]!["items"]!["$ref"]!.GetValue<string>());
        // The backend's document is left as it was.
        Assert.Equal("#/definitions/Meta", backend["definitions"]!["Flunder"]!["properties"]!["metadata"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void MergeV2_SameDefinitionTwiceAndAThirdVariant_SharedOrNextSuffix()
    {
        var local = Doc("", """
            "Meta":{"description":"ours"}
            """);
        var first = Doc("", """
            "Meta":{"description":"theirs"},
            "A":{"properties":{"m":{"$ref":"#/definitions/Meta"}}}
            """);
        var second = Doc("", """
            "Meta":{"description":"theirs"},
            "B":{"properties":{"m":{"$ref":"#/definitions/Meta"}}}
            """);
        var third = Doc("", """
            "Meta":{"description":"another"},
            "C":{"properties":{"m":{"$ref":"#/definitions/Meta"}}}
            """);
        var same = Doc("", """
            "Meta":{"description":"ours"},
            "D":{"properties":{"m":{"$ref":"#/definitions/Meta"}}}
            """);

        OpenApiMerge.MergeV2(local, [first, second, third, same]);

        var definitions = local["definitions"]!.AsObject();
        Assert.Equal(["A", "B", "C", "D", "Meta", "Meta_v2", "Meta_v3"], definitions.Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Equal("#/definitions/Meta_v2", definitions["A"]!["properties"]!["m"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/definitions/Meta_v2", definitions["B"]!["properties"]!["m"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/definitions/Meta_v3", definitions["C"]!["properties"]!["m"]!["$ref"]!.GetValue<string>());
        Assert.Equal("another", definitions["Meta_v3"]!["description"]!.GetValue<string>());
        Assert.Equal("#/definitions/Meta", definitions["D"]!["properties"]!["m"]!["$ref"]!.GetValue<string>());
    }
}
