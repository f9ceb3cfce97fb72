using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>networking.k8s.io/v1 ingressclasses: NAME CONTROLLER PARAMETERS AGE.</summary>
internal sealed class IngressClassTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Controller", "Controller that is responsible for handling this class"),
        CommonColumns.Text("Parameters", "A reference to a resource with additional parameters"),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var parameters = "<none>";
        if (At(obj, "spec", "parameters") is JsonObject p)
        {
            parameters = Str(p["kind"]) ?? "";
            if (Str(p["apiGroup"]) is { } group)
            {
                parameters += "." + group;
            }

            parameters += "/" + (Str(p["name"]) ?? "");
        }

        return [Name(obj), Str(At(obj, "spec", "controller")) ?? "", parameters, Age(obj, now)];
    }
}
