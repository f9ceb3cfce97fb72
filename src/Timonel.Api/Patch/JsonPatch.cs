using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>
/// JSON Patch as kube-apiserver applies it (evanphx/json-patch v4), which clients rely on where
/// it departs from RFC 6902: replace of a missing object member adds it; add, replace and copy
/// without "value" (or from a missing member) write null; array indexes are read by
/// strconv.Atoi (leading zeros, a sign) and a negative index counts from the end; "~" escapes
/// other than ~0 and ~1 are kept; the first path segment is ignored; add, remove, move and copy
/// at "" fail; replace of "" with a scalar does nothing; test of a missing member with null
/// passes. A body that is not an array of operation objects is 400; an operation that cannot be
/// applied is 422. Operations apply in order to a copy; the first failure stops all.
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
        // v4 reads a missing or non-string "op" as "unknown".
        var op = ReadString(operation, "op") ?? "unknown";
        switch (op)
        {
            case "add":
                return Add(document, "add", PathOf(operation, op), ValueOf(operation));
            case "remove":
                return Remove(document, "remove", PathOf(operation, op));
            case "replace":
                return Replace(document, PathOf(operation, op), ValueOf(operation));
            case "move":
                return Move(document, FromOf(operation, op), PathOf(operation, op));
            case "copy":
                return Copy(document, FromOf(operation, op), PathOf(operation, op), ref copied);
            case "test":
                Test(document, PathOf(operation, op), operation);
                return document;
            default:
                throw PatchErrors.CannotApply($"Unexpected kind: {op}: json patch operations are add, remove, replace, move, copy and test");
        }
    }

    /// <summary>Adds a copy of <paramref name="value"/>, or the value itself when <paramref name="owned"/> (detached, e.g. by a move).</summary>
    private static JsonNode? Add(JsonNode? document, string op, JsonPointer path, JsonNode? value, bool owned = false)
    {
        if (!owned)
        {
            value = value?.DeepClone();
        }

        switch (ContainerOf(document, path))
        {
            case JsonObject obj:
                obj[path.Tokens[^1]] = value;
                return document;
            case JsonArray array:
                var last = path.Tokens[^1];
                if (last == "-")
                {
                    array.Add(value);
                    return document;
                }

                // Inserting into n elements allows n+1 places; -1 is the end, as v4 counts.
                var index = Index(op, path, last, array.Count + 1);
                array.Insert(index, value);
                return document;
            default:
                throw Missing(op, path);
        }
    }

    private static JsonNode? Remove(JsonNode? document, string op, JsonPointer path)
    {
        switch (ContainerOf(document, path))
        {
            case JsonObject obj:
                if (!obj.Remove(path.Tokens[^1]))
                {
                    throw PatchErrors.CannotApply($"{op} operation does not apply: Unable to remove nonexistent key: {path.Tokens[^1]}: missing value");
                }

                return document;
            case JsonArray array:
                array.RemoveAt(Index(op, path, path.Tokens[^1], array.Count));
                return document;
            default:
                throw Missing(op, path);
        }
    }

    private static JsonNode? Replace(JsonNode? document, JsonPointer path, JsonNode? value)
    {
        if (path.IsRoot)
        {
            // v4 swaps in an object or array (null too); a string, number or boolean leaves the document as it was.
            return value is null or JsonObject or JsonArray ? value?.DeepClone() : document;
        }

        switch (ContainerOf(document, path))
        {
            case JsonObject obj:
                // Unlike RFC 6902, a missing member is added (kubectl rollout restart and client
                // JSON patch generators rely on it).
                obj[path.Tokens[^1]] = value?.DeepClone();
                return document;
            case JsonArray array:
                array[Index("replace", path, path.Tokens[^1], array.Count)] = value?.DeepClone();
                return document;
            default:
                throw Missing("replace", path);
        }
    }

    private static JsonNode? Move(JsonNode? document, JsonPointer from, JsonPointer path)
    {
        // As v4: the value is taken out first, then the destination is looked up in what is
        // left, so a move into the value's own child finds no destination.
        var (value, _) = Take(document, "move", from, remove: true);
        return Add(document, "move", path, value, owned: true);
    }

    private static JsonNode? Copy(JsonNode? document, JsonPointer from, JsonPointer path, ref long copied)
    {
        var (value, _) = Take(document, "copy", from, remove: false);
        if (!path.HasLocation || ContainerOf(document, path) is null)
        {
            throw Missing("copy", path);
        }

        copied += value is null ? 0 : JsonSize.Of(value);
        if (copied > PatchErrors.MaxJsonPatchCopyBytes)
        {
            throw PatchErrors.CopyTooLarge(copied);
        }

        return Add(document, "copy", path, value);
    }

    /// <summary>
    /// The value at <paramref name="from"/> (removed from the document when <paramref name="remove"/>).
    /// A missing object member reads as null, as v4's get does; removing it fails.
    /// </summary>
    private static (JsonNode? Value, bool Found) Take(JsonNode? document, string op, JsonPointer from, bool remove)
    {
        switch (ContainerOf(document, from))
        {
            case JsonObject obj:
                var key = from.Tokens[^1];
                var found = obj.TryGetPropertyValue(key, out var value);
                if (remove)
                {
                    if (!found)
                    {
                        throw PatchErrors.CannotApply($"{op} operation does not apply: Unable to remove nonexistent key: {key}: missing value");
                    }

                    obj.Remove(key);
                }

                return (value, found);
            case JsonArray array:
                var index = Index(op, from, from.Tokens[^1], array.Count);
                var element = array[index];
                if (remove)
                {
                    array.RemoveAt(index);
                }

                return (element, true);
            default:
                throw PatchErrors.CannotApply($"{op} operation does not apply: doc is missing from path: \"{from}\"");
        }
    }

    private static void Test(JsonNode? document, JsonPointer path, JsonObject operation)
    {
        var hasValue = operation.TryGetPropertyValue("value", out var expected);
        if (path.IsRoot)
        {
            if (!TestEqual(document, expected))
            {
                throw TestFailed(path, expected);
            }

            return;
        }

        JsonNode? actual;
        switch (ContainerOf(document, path))
        {
            case JsonObject obj:
                obj.TryGetPropertyValue(path.Tokens[^1], out actual);
                break;
            case JsonArray array:
                actual = array[Index("test", path, path.Tokens[^1], array.Count)];
                break;
            default:
                throw PatchErrors.CannotApply($"test operation does not apply: is missing path: \"{path}\"");
        }

        // v4 cannot tell a missing member from a null one: "value": null passes for both.
        if (!hasValue || (actual is null ? expected is not null : !TestEqual(actual, expected)))
        {
            throw TestFailed(path, expected);
        }
    }

    /// <summary>
    /// v4's equality: objects ignore member order, and a number equals only the same spelling
    /// (it compares the compacted bytes, so 1 is not 1.0, as upstream's test of replicas: 1.0 fails).
    /// </summary>
    private static bool TestEqual(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonObject oa, JsonObject ob) => oa.Count == ob.Count && oa.All(p => ob.TryGetPropertyValue(p.Key, out var other) && TestEqual(p.Value, other)),
        (JsonArray aa, JsonArray ab) => aa.Count == ab.Count && aa.Zip(ab).All(pair => TestEqual(pair.First, pair.Second)),
        (JsonValue va, JsonValue vb) when va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number =>
            string.Equals(va.ToJsonString(), vb.ToJsonString(), StringComparison.Ordinal),
        (JsonValue va, JsonValue vb) => JsonValues.DeepEqual(va, vb),
        _ => false,
    };

    private static Errors.ApiException TestFailed(JsonPointer path, JsonNode? expected) =>
        PatchErrors.CannotApply($"testing value {path} failed: test failed (expected {PatchErrors.Show(expected)})");

    /// <summary>
    /// The object or array holding the path's last token, found as v4's findObject finds it:
    /// every step must exist and be an object or array (a null one counts as missing).
    /// </summary>
    private static JsonNode? ContainerOf(JsonNode? document, JsonPointer path)
    {
        if (!path.HasLocation)
        {
            return null;
        }

        var current = document;
        for (var i = 0; i < path.Tokens.Count - 1; i++)
        {
            var token = path.Tokens[i];
            current = current switch
            {
                JsonObject obj => obj.TryGetPropertyValue(token, out var child) ? child : null,
                JsonArray array => TryIndex(token, array.Count) is { } index ? array[index] : null,
                _ => null,
            };
            if (current is not (JsonObject or JsonArray))
            {
                return null;
            }
        }

        return current is JsonObject or JsonArray ? current : null;
    }

    /// <summary>An existing position in <paramref name="count"/> places; negative counts from the end.</summary>
    private static int? TryIndex(string token, int count)
    {
        if (JsonPointer.ArrayIndex(token) is not { } index)
        {
            return null;
        }

        if (index < 0)
        {
            index += count;
        }

        return index >= 0 && index < count ? (int)index : null;
    }

    private static int Index(string op, JsonPointer path, string token, int count)
    {
        if (JsonPointer.ArrayIndex(token) is null)
        {
            throw PatchErrors.CannotApply($"{op} operation does not apply: \"{token}\" is not a proper array index at \"{path}\"");
        }

        return TryIndex(token, count) ?? throw PatchErrors.CannotApply(
            $"{op} operation does not apply: Unable to access invalid index: {token} at \"{path}\" (the array has {count} {(count == 1 ? "place" : "places")}): invalid index referenced");
    }

    private static string? ReadString(JsonObject operation, string member) =>
        operation.TryGetPropertyValue(member, out var node) && node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : null;

    private static JsonPointer PathOf(JsonObject operation, string op) => PointerOf(operation, op, "path");

    private static JsonPointer FromOf(JsonObject operation, string op) => PointerOf(operation, op, "from");

    private static JsonPointer PointerOf(JsonObject operation, string op, string member) =>
        JsonPointer.Parse(ReadString(operation, member)
            ?? throw PatchErrors.CannotApply($"{op} operation failed to decode {member}: missing or not a string in {PatchErrors.Show(operation)}"));

    /// <summary>The operation's "value"; v4 writes null when it is absent.</summary>
    private static JsonNode? ValueOf(JsonObject operation) =>
        operation.TryGetPropertyValue("value", out var value) ? value : null;

    private static Errors.ApiException Missing(string op, JsonPointer path) =>
        PatchErrors.CannotApply($"{op} operation does not apply: doc is missing path: \"{path}\": missing value");
}
