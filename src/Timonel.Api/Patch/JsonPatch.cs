using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>
/// RFC 6902 JSON Patch. A body that is not an array of operation objects is 400; an operation
/// that cannot be applied (missing path, index out of bounds, failed test, unknown op) is 422,
/// as kube-apiserver answers. Operations apply in order to a copy; the first failure stops all.
/// </summary>
/// <remarks>
/// The work is bounded as upstream bounds it: at most 10000 operations (413), and the values
/// "copy" duplicates may add up to 3 MiB of JSON (422, checked before each copy is made), since
/// copying a member into itself doubles the document and thirty such operations reach gigabytes.
/// A move detaches its value instead of copying it, so moves cost no more than their paths.
/// </remarks>
internal static class JsonPatch
{
    public static JsonObject Apply(JsonObject original, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw PatchErrors.BadRequest($"a json patch must be a JSON array of operations, not {PatchErrors.KindName(patch)}");
        }

        if (operations.Count > PatchErrors.MaxJsonPatchOperations)
        {
            throw PatchErrors.TooManyOperations(operations.Count);
        }

        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not JsonObject)
            {
                throw PatchErrors.BadRequest($"json patch operation {i} must be a JSON object, not {PatchErrors.KindName(operations[i])}");
            }
        }

        JsonNode? document = original.DeepClone();
        var copied = 0L;
        foreach (var operation in operations)
        {
            document = ApplyOne(document, (JsonObject)operation!, ref copied);
        }

        return document as JsonObject
            ?? throw PatchErrors.CannotApply($"the json patch turned the object into {PatchErrors.KindName(document)}; it must stay a JSON object");
    }

    private static JsonNode? ApplyOne(JsonNode? document, JsonObject operation, ref long copied)
    {
        var op = ReadString(operation, "op");
        switch (op)
        {
            case "add":
                return Add(document, "add", PathOf(operation, op), ValueOf(operation, op));
            case "remove":
                return Remove(document, "remove", PathOf(operation, op));
            case "replace":
                return Replace(document, PathOf(operation, op), ValueOf(operation, op));
            case "move":
                return Move(document, FromOf(operation, op), PathOf(operation, op));
            case "copy":
                return Copy(document, FromOf(operation, op), PathOf(operation, op), ref copied);
            case "test":
                Test(document, PathOf(operation, op), ValueOf(operation, op));
                return document;
            case null:
                throw PatchErrors.CannotApply($"json patch operation {PatchErrors.Show(operation)} has no \"op\" string");
            default:
                throw PatchErrors.CannotApply($"json patch operation \"{op}\" is not supported: use add, remove, replace, move, copy or test");
        }
    }

    /// <summary>Adds a copy of <paramref name="value"/>, or the value itself when <paramref name="owned"/> (detached, e.g. by a move).</summary>
    private static JsonNode? Add(JsonNode? document, string op, JsonPointer path, JsonNode? value, bool owned = false)
    {
        if (!owned)
        {
            value = value?.DeepClone();
        }

        if (path.IsRoot)
        {
            return value;
        }

        var (parent, last) = ParentOf(document, op, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                return document;
            case JsonArray array when last == "-":
                array.Add(value);
                return document;
            case JsonArray array:
                var index = JsonPointer.ArrayIndex(last);
                if (index is null || index > array.Count)
                {
                    throw OutOfBounds(op, path, last, array.Count);
                }

                array.Insert(index.Value, value);
                return document;
            default:
                throw Missing(op, path);
        }
    }

    private static JsonNode? Remove(JsonNode? document, string op, JsonPointer path)
    {
        if (path.IsRoot)
        {
            throw PatchErrors.CannotApply($"{op} operation does not apply: the whole document cannot be removed");
        }

        var (parent, last) = ParentOf(document, op, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj.Remove(last);
                return document;
            case JsonArray array:
                var index = JsonPointer.ArrayIndex(last);
                if (index is null || index >= array.Count)
                {
                    throw OutOfBounds(op, path, last, array.Count);
                }

                array.RemoveAt(index.Value);
                return document;
            default:
                throw Missing(op, path);
        }
    }

    private static JsonNode? Replace(JsonNode? document, JsonPointer path, JsonNode? value)
    {
        if (path.IsRoot)
        {
            return value?.DeepClone();
        }

        var (parent, last) = ParentOf(document, "replace", path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj[last] = value?.DeepClone();
                return document;
            case JsonArray array:
                var index = JsonPointer.ArrayIndex(last);
                if (index is null || index >= array.Count)
                {
                    throw OutOfBounds("replace", path, last, array.Count);
                }

                array[index.Value] = value?.DeepClone();
                return document;
            default:
                throw Missing("replace", path);
        }
    }

    private static JsonNode? Move(JsonNode? document, JsonPointer from, JsonPointer path)
    {
        if (path.IsInside(from))
        {
            throw PatchErrors.CannotApply($"move operation does not apply: \"{from}\" cannot be moved into its own child \"{path}\"");
        }

        if (from.Text == path.Text)
        {
            _ = Get(document, "move", from);
            return document;
        }

        // Removing the value detaches it from the document, so it can be added elsewhere as is.
        var value = Get(document, "move", from);
        document = Remove(document, "move", from);
        return Add(document, "move", path, value, owned: true);
    }

    private static JsonNode? Copy(JsonNode? document, JsonPointer from, JsonPointer path, ref long copied)
    {
        var value = Get(document, "copy", from);
        copied += JsonSize.Of(value);
        if (copied > PatchErrors.MaxJsonPatchCopyBytes)
        {
            throw PatchErrors.CopyTooLarge(copied);
        }

        return Add(document, "copy", path, value);
    }

    private static void Test(JsonNode? document, JsonPointer path, JsonNode? expected)
    {
        if (!TryGet(document, path, out var actual) || !JsonValues.DeepEqual(actual, expected))
        {
            throw PatchErrors.CannotApply($"testing value {path} failed: test failed (expected {PatchErrors.Show(expected)})");
        }
    }

    private static JsonNode? Get(JsonNode? document, string op, JsonPointer path) =>
        TryGet(document, path, out var value) ? value : throw Missing(op, path);

    private static bool TryGet(JsonNode? document, JsonPointer path, out JsonNode? value)
    {
        value = document;
        foreach (var token in path.Tokens)
        {
            switch (value)
            {
                case JsonObject obj when obj.TryGetPropertyValue(token, out var child):
                    value = child;
                    break;
                case JsonArray array when JsonPointer.ArrayIndex(token) is { } index && index < array.Count:
                    value = array[index];
                    break;
                default:
                    value = null;
                    return false;
            }
        }

        return true;
    }

    private static (JsonNode? Parent, string Last) ParentOf(JsonNode? document, string op, JsonPointer path)
    {
        var parentPath = JsonPointer.TryParse(path.Text[..path.Text.LastIndexOf('/')], out _)!;
        if (!TryGet(document, parentPath, out var parent) || parent is not (JsonObject or JsonArray))
        {
            throw Missing(op, path);
        }

        return (parent, path.Tokens[^1]);
    }

    private static string? ReadString(JsonObject operation, string member) =>
        operation.TryGetPropertyValue(member, out var node) && node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : null;

    private static JsonPointer PathOf(JsonObject operation, string op) => PointerOf(operation, op, "path");

    private static JsonPointer FromOf(JsonObject operation, string op) => PointerOf(operation, op, "from");

    private static JsonPointer PointerOf(JsonObject operation, string op, string member)
    {
        var text = ReadString(operation, member)
            ?? throw PatchErrors.CannotApply($"{op} operation has no \"{member}\" string: {PatchErrors.Show(operation)}");
        return JsonPointer.TryParse(text, out var error)
            ?? throw PatchErrors.CannotApply($"{op} operation does not apply: {error}");
    }

    private static JsonNode? ValueOf(JsonObject operation, string op) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value
            : throw PatchErrors.CannotApply($"{op} operation has no \"value\": {PatchErrors.Show(operation)}");

    private static Errors.ApiException Missing(string op, JsonPointer path) =>
        PatchErrors.CannotApply($"{op} operation does not apply: doc is missing path: \"{path}\"");

    private static Errors.ApiException OutOfBounds(string op, JsonPointer path, string token, int count) =>
        PatchErrors.CannotApply($"{op} operation does not apply: \"{token}\" is not a valid index of the array at \"{path}\" (length {count})");
}
