using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.Registry.Tables;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// The `kubectl get` table of a custom resource version: NAME, then its additionalPrinterColumns
/// (or AGE when it declares none), as upstream's CRD table convertor. A column whose path finds
/// nothing, or a value of the wrong type, is an empty cell, never an error.
/// </summary>
public sealed class PrinterColumnTable : ITableConvertor
{
    private const string AgeDescription =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    private const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    private readonly IReadOnlyList<(TableColumn Column, SimpleJsonPath Path)> _extra;

    /// <param name="columns">The version's additionalPrinterColumns (already validated).</param>
    public PrinterColumnTable(JsonArray? columns)
    {
        var declared = columns.Objects().Select(c => c.Item).ToList();
        if (declared.Count == 0)
        {
            declared = [new JsonObject { ["name"] = "Age", ["type"] = "date", ["jsonPath"] = ".metadata.creationTimestamp", ["description"] = AgeDescription }];
        }

        _extra = declared.Select(c => (
            new TableColumn(c.Str("name") ?? "", c.Str("type") ?? "string", c.Str("format") ?? "", c.Str("description") ?? "", (int)(c.Int("priority") ?? 0)),
            SimpleJsonPath.Parse(c.Str("jsonPath") ?? ""))).ToList();
        Columns = [new TableColumn("Name", "string", "name", NameDescription, 0), .. _extra.Select(e => e.Column)];
    }

    public IReadOnlyList<TableColumn> Columns { get; }

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var cells = new List<object?>(Columns.Count) { TableCells.Name(obj) };
        foreach (var (column, path) in _extra)
        {
            cells.Add(Cell(column.Type, path.First(obj), now));
        }

        return cells;
    }

    private static object? Cell(string type, JsonNode? value, DateTimeOffset now)
    {
        if (value is null)
        {
            return null;
        }

        var kind = value.GetValueKind();
        switch (type)
        {
            case "string":
                return kind == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            case "integer" when kind == JsonValueKind.Number:
                var v = (JsonValue)value;
                return v.TryGetValue<long>(out var l) ? l : (long)v.GetValue<double>();
            case "number" when kind == JsonValueKind.Number:
                return value.GetValue<double>();
            case "boolean" when kind is JsonValueKind.True or JsonValueKind.False:
                return kind == JsonValueKind.True;
            case "date" when kind == JsonValueKind.String
                && DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t):
                return HumanDuration.Since(t, now);
            default:
                return null;
        }
    }
}
