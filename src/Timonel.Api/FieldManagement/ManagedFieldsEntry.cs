using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.FieldManagement;

/// <summary>One metadata.managedFields entry, its FieldsV1 decoded.</summary>
public sealed class ManagedFieldsEntry
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    public required string Manager { get; init; }

    public required string Operation { get; init; }

    public required string ApiVersion { get; set; }

    public string? Subresource { get; init; }

    /// <summary>RFC 3339 seconds, as upstream writes metav1.Time; null when absent.</summary>
    public string? Time { get; set; }

    public required FieldSet Fields { get; set; }

    /// <summary>
    /// Upstream's manager identifier: entries merge per manager, operation, subresource and, for
    /// updates only, apiVersion (one Apply entry per manager whatever version it applied).
    /// </summary>
    public (string Manager, string Operation, string ApiVersion, string Subresource) Identity =>
        (Manager, Operation, Operation == Apply ? "" : ApiVersion, Subresource ?? "");

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public JsonObject ToJson()
    {
        var entry = new JsonObject
        {
            ["manager"] = Manager,
            ["operation"] = Operation,
            ["apiVersion"] = ApiVersion,
        };
        if (Time is not null)
        {
            entry["time"] = Time;
        }

        entry["fieldsType"] = "FieldsV1";
        entry["fieldsV1"] = Fields.ToFieldsV1();
        if (!string.IsNullOrEmpty(Subresource))
        {
            entry["subresource"] = Subresource;
        }

        return entry;
    }

    /// <summary>
    /// Reads metadata.managedFields; null when any entry cannot be decoded (no or another
    /// fieldsType, FieldsV1 that is not a field set), which upstream treats as "not tracked".
    /// Operation and manager are checked by validation, not here.
    /// </summary>
    public static List<ManagedFieldsEntry>? Decode(JsonNode? managedFields)
    {
        if (managedFields is not JsonArray list)
        {
            return managedFields is null ? [] : null;
        }

        var entries = new List<ManagedFieldsEntry>();
        foreach (var item in list)
        {
            if (item is not JsonObject entry || Text(entry["fieldsType"]) != "FieldsV1" || FieldSet.FromFieldsV1(entry["fieldsV1"] ?? new JsonObject()) is not { } fields)
            {
                return null;
            }

            var decoded = new ManagedFieldsEntry
            {
                Manager = Text(entry["manager"]) ?? "",
                Operation = Text(entry["operation"]) ?? "",
                ApiVersion = Text(entry["apiVersion"]) ?? "",
                Subresource = Text(entry["subresource"]) is { Length: > 0 } sub ? sub : null,
                Time = Text(entry["time"]),
                Fields = fields,
            };

            // A repeated identity: the later entry wins, as upstream's decoding.
            entries.RemoveAll(e => e.Identity == decoded.Identity);
            entries.Add(decoded);
        }

        return entries;
    }

    /// <summary>Upstream's order: Apply before Update, then oldest first, then manager, apiVersion, subresource.</summary>
    public static JsonArray Encode(IEnumerable<ManagedFieldsEntry> entries) =>
        new(entries
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => e.Time ?? "", StringComparer.Ordinal)
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion, StringComparer.Ordinal)
            .ThenBy(e => e.Subresource ?? "", StringComparer.Ordinal)
            .Select(e => (JsonNode)e.ToJson())
            .ToArray());

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
