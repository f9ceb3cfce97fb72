using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Xunit;

namespace Timonel.Api.Tests.Patch;

/// <summary>Helpers shared by the patch tests.</summary>
internal static class PatchAssert
{
    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    public static JsonNode? Node(string json) => JsonNode.Parse(json);

    /// <summary>Order-sensitive for arrays (as JSON is), member order ignored.</summary>
    public static void Json(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\n  actual {actual?.ToJsonString()}");

    public static ApiException Fails(int code, Action action)
    {
        var error = Assert.Throws<ApiException>(action);
        Assert.True(code == error.Code, $"expected {code}, got {error.Code}: {error.Message}");
        return error;
    }
}
