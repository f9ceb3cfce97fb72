using System.Globalization;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry;

/// <summary>Small accessors for metadata fields of wire-JSON objects.</summary>
internal static class Meta
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject m)
        {
            return m;
        }

        var created = new JsonObject();
        obj["metadata"] = created;
        return created;
    }

    public static string? Str(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string? Name(JsonObject obj) => Str(obj["metadata"]?["name"]);

    public static string? Namespace(JsonObject obj) => Str(obj["metadata"]?["namespace"]);

    public static string? Uid(JsonObject obj) => Str(obj["metadata"]?["uid"]);

    public static string? ResourceVersion(JsonObject obj) => Str(obj["metadata"]?["resourceVersion"]);

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(Str).OfType<string>().ToList() ?? [];

    public static void SetFinalizers(JsonObject obj, IReadOnlyCollection<string> finalizers)
    {
        if (finalizers.Count == 0)
        {
            Metadata(obj).Remove("finalizers");
        }
        else
        {
            Metadata(obj)["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }
    }

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        if (obj["metadata"]?["labels"] is not JsonObject labels)
        {
            return Empty;
        }

        var result = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
        foreach (var (k, v) in labels)
        {
            result[k] = Str(v) ?? "";
        }

        return result;
    }

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static long? Long(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : node is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x) ? (long)x
        : null;

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
