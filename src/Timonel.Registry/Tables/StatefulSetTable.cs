using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>apps/v1 statefulsets: NAME READY AGE | CONTAINERS IMAGES.</summary>
internal sealed class StatefulSetTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Ready", "Number of the pod with ready state"),
        CommonColumns.Age,
        CommonColumns.Containers,
        CommonColumns.Images,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var (names, images) = Containers(At(spec, "template", "spec"));
        return
        [
            Name(obj),
            $"{Long(At(obj, "status", "readyReplicas")) ?? 0}/{Long(At(spec, "replicas")) ?? 1}",
            Age(obj, now),
            names,
            images,
        ];
    }
}
