using System.Globalization;
using System.Text.Json.Nodes;

namespace Timonel.Api.Validation;

/// <summary>
/// Readers and writers for the metadata of wire-JSON objects (metav1.ObjectMeta), over
/// <see cref="JsonAccess"/>: a field of the wrong JSON type reads as absent, and so does every field
/// of a metadata that is not an object (the API server's old helpers threw there).
/// </summary>
public static class ObjectMetaAccess
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    /// <summary>metadata, created (replacing null or a non-object) when missing.</summary>
    public static JsonObject Metadata(JsonObject obj) => obj.Ensure("metadata");

    public static string? Name(JsonObject obj) => obj.Obj("metadata").Str("name");

    public static string? Namespace(JsonObject obj) => obj.Obj("metadata").Str("namespace");

    public static string? Uid(JsonObject obj) => obj.Obj("metadata").Str("uid");

    public static string? ResourceVersion(JsonObject obj) => obj.Obj("metadata").Str("resourceVersion");

    /// <summary>Whether metadata.deletionTimestamp is set (to anything but null).</summary>
    public static bool IsDeleting(JsonObject obj) => obj.Obj("metadata").Has("deletionTimestamp");

    /// <summary>The string items of metadata.finalizers, in order; other items are skipped.</summary>
    public static List<string> Finalizers(JsonObject obj) =>
        obj.Obj("metadata").Arr("finalizers")?.Select(JsonAccess.AsString).OfType<string>().ToList() ?? [];

    /// <summary>Replaces metadata.finalizers; an empty list removes the field, as Go's omitempty would.</summary>
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

    /// <summary>
    /// metadata.labels as a map; a label whose value is not a string reads as "" (it stays a key
    /// for Exists). <see cref="Selectors.LabelSelector.LabelsOf"/> skips such labels instead.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        if (obj.Obj("metadata").Obj("labels") is not { } labels)
        {
            return NoLabels;
        }

        var result = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
        foreach (var (k, v) in labels)
        {
            result[k] = JsonAccess.AsString(v) ?? "";
        }

        return result;
    }

    /// <summary>metav1.Time's wire form: RFC 3339 in UTC, whole seconds.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
