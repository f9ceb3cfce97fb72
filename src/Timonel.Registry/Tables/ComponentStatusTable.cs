using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>v1 componentstatuses: NAME STATUS MESSAGE ERROR, from the Healthy condition (Unknown without one), as upstream's printer.</summary>
internal sealed class ComponentStatusTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Status", "Status of the component conditions"),
        CommonColumns.Text("Message", "Message of the component conditions"),
        CommonColumns.Text("Error", "Error of the component conditions"),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var healthy = (At(obj, "conditions") as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Str(c["type"]) == "Healthy");
        if (healthy is null)
        {
            return [Name(obj), "Unknown", "", ""];
        }

        return [Name(obj), Str(healthy["status"]) == "True" ? "Healthy" : "Unhealthy", Str(healthy["message"]) ?? "", Str(healthy["error"]) ?? ""];
    }
}
