using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Patch;

/// <summary>
/// The errors a PATCH can end in, with upstream's codes: a body that cannot be a patch of its
/// type is 400 BadRequest; a well-formed patch that cannot be applied to this object is
/// 422 Invalid (as kube-apiserver answers a failed JSON-patch operation).
/// </summary>
internal static class PatchErrors
{
    /// <summary>Upstream's cap on the operations of one JSON patch.</summary>
    public const int MaxJsonPatchOperations = 10000;

    public static ApiException BadRequest(string message) => ApiException.BadRequest(message);

    /// <summary>
    /// 422 like upstream's NewGenericServerResponse(422, ...), but with the actual reason as the
    /// message: upstream's generic text ("the server rejected our request...") gives a person
    /// nothing to act on.
    /// </summary>
    public static ApiException CannotApply(string message) =>
        new(HttpStatusCode.UnprocessableEntity, "Invalid", message);

    public static ApiException TooManyOperations(int count) =>
        new(HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge",
            $"Request entity too large: The allowed maximum operations in a JSON patch is {MaxJsonPatchOperations}, got {count}");

    /// <summary>A short JSON rendering of a node for messages, cut to keep the Status readable.</summary>
    public static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 200 ? text : text[..200] + "...";
    }

    /// <summary>The JSON type name used in messages: object, array, string, number, boolean, null.</summary>
    public static string KindName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        _ => node.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => "number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            _ => "null",
        },
    };
}
