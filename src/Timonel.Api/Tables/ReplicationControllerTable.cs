using System.Text.Json.Nodes;
using static Timonel.Api.Tables.TableCells;

namespace Timonel.Api.Tables;

/// <summary>core/v1 replicationcontrollers: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR (a label map).</summary>
internal sealed class ReplicationControllerTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Integer("Desired", "Replicas is the number of desired replicas."),
        CommonColumns.Integer("Current", "Replicas is the most recently observed number of replicas."),
        CommonColumns.Integer("Ready", "The number of ready replicas for this replication controller."),
        CommonColumns.Age,
        CommonColumns.Containers,
        CommonColumns.Images,
        CommonColumns.Wide("Selector", "Selector is a label query over pods that should match the Replicas count."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var status = At(obj, "status");
        var (names, images) = Containers(At(spec, "template", "spec"));
        return
        [
            Name(obj),
            Long(At(spec, "replicas")) ?? 1,
            Long(At(status, "replicas")) ?? 0,
            Long(At(status, "readyReplicas")) ?? 0,
            Age(obj, now),
            names,
            images,
            FormatLabels(At(spec, "selector")),
        ];
    }
}
