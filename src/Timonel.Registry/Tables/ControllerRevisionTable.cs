using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>apps/v1 controllerrevisions: NAME CONTROLLER REVISION AGE; CONTROLLER is "kind.group/name".</summary>
internal sealed class ControllerRevisionTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Controller", "Controller of the object"),
        CommonColumns.Text("Revision", "Revision indicates the revision of the state represented by Data."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), Controller(obj), Long(obj["revision"]) ?? 0, Age(obj, now)];

    private static string Controller(JsonObject obj)
    {
        var owner = Objects(At(obj, "metadata", "ownerReferences")).FirstOrDefault(o => Bool(o["controller"]) == true);
        if (owner is null)
        {
            return "<none>";
        }

        var name = Str(owner["name"]) ?? "";
        var kind = Str(owner["kind"]) ?? "";
        var apiVersion = Str(owner["apiVersion"]) ?? "";
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        if (kind.Length == 0 && group.Length == 0)
        {
            return name;
        }

        var groupKind = group.Length == 0 ? kind : $"{kind}.{group}";
        return $"{groupKind.ToLowerInvariant()}/{name}";
    }
}
