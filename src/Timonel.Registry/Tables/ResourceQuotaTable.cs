using System.Text;
using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>core/v1 resourcequotas: NAME REQUEST LIMIT AGE, each "resource: used/hard" sorted by resource name.</summary>
internal sealed class ResourceQuotaTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
        CommonColumns.Text("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var hard = At(obj, "status", "hard") as JsonObject;
        var used = At(obj, "status", "used");
        var requests = new StringBuilder();
        var limits = new StringBuilder();
        foreach (var resource in (hard?.Select(p => p.Key) ?? []).Order(StringComparer.Ordinal))
        {
            var column = resource.Split('.') is [var prefix, _, ..] && prefix == "limits" ? limits : requests;
            column.Append($"{resource}: {Quantity(At(used, resource), "0")}/{Quantity(hard![resource], "0")}, ");
        }

        return [Name(obj), TrimSeparator(requests), TrimSeparator(limits), Age(obj, now)];
    }

    private static string TrimSeparator(StringBuilder sb) => sb.Length >= 2 ? sb.ToString(0, sb.Length - 2) : "";
}
