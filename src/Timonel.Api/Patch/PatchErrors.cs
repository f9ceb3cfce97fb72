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

    /// <summary>
    /// Upstream's cap on what the "copy" operations of one JSON patch may add, in bytes of JSON
    /// (kube-apiserver sets json-patch's AccumulatedCopySizeLimit to JSONPatchMaxCopyBytes, 3 MiB).
    /// </summary>
    public const long MaxJsonPatchCopyBytes = 3 * 1024 * 1024;

    /// <summary>The largest object a patch may produce, in bytes of JSON: upstream's request body limit (3 MiB).</summary>
    public const long MaxPatchedObjectBytes = 3 * 1024 * 1024;

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

    /// <summary>json-patch's AccumulatedCopySizeError, answered 422 as upstream answers every failed operation.</summary>
    public static ApiException CopyTooLarge(long accumulated) =>
        CannotApply($"Unable to complete the copy, the accumulated size increase of copy is {accumulated}, exceeding the limit {MaxJsonPatchCopyBytes}");

    /// <summary>A patched object larger than a request may be: it could never have been sent whole, so it is not stored.</summary>
    public static ApiException ResultTooLarge(long size) =>
        new(HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge",
            $"Request entity too large: the patched object is {size} bytes of JSON, over the limit of {MaxPatchedObjectBytes}; patch it in smaller steps or make it smaller");

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
