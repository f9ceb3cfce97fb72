using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>JSON value equality as the patch RFCs define it: numbers compare by value, objects ignore member order.</summary>
internal static class JsonValues
{
    public static bool DeepEqual(JsonNode? a, JsonNode? b)
    {
        switch (a, b)
        {
            case (null, null):
                return true;
            case (null, _) or (_, null):
                return false;
            case (JsonObject oa, JsonObject ob):
                return oa.Count == ob.Count
                    && oa.All(p => ob.TryGetPropertyValue(p.Key, out var other) && DeepEqual(p.Value, other));
            case (JsonArray aa, JsonArray ab):
                return aa.Count == ab.Count && aa.Zip(ab).All(pair => DeepEqual(pair.First, pair.Second));
            case (JsonValue va, JsonValue vb):
                return ScalarEqual(va, vb);
            default:
                return false;
        }
    }

    /// <summary>The kind used to check that list items share one type: object, array, string, number, boolean or null.</summary>
    public static string KindOf(JsonNode? node) => PatchErrors.KindName(node);

    private static bool ScalarEqual(JsonValue a, JsonValue b)
    {
        var ka = a.GetValueKind();
        var kb = b.GetValueKind();
        if (ka == JsonValueKind.Number && kb == JsonValueKind.Number)
        {
            if (a.TryGetValue<decimal>(out var da) && b.TryGetValue<decimal>(out var db))
            {
                return da == db;
            }

            if (a.TryGetValue<double>(out var fa) && b.TryGetValue<double>(out var fb))
            {
                return fa.Equals(fb);
            }

            // Beyond a double's range (1e400): only the same spelling is the same number.
            return string.Equals(a.ToJsonString(), b.ToJsonString(), StringComparison.Ordinal);
        }

        if (ka != kb)
        {
            return false;
        }

        return ka switch
        {
            JsonValueKind.String => string.Equals(a.GetValue<string>(), b.GetValue<string>(), StringComparison.Ordinal),
            _ => true, // true, false and null carry no further value
        };
    }
}
