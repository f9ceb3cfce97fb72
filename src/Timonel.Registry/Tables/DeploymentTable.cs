using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>apps/v1 deployments: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR.</summary>
internal sealed class DeploymentTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Ready", "Number of the pod with ready state"),
        CommonColumns.Text("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        CommonColumns.Text("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        CommonColumns.Age,
        CommonColumns.Containers,
        CommonColumns.Images,
        CommonColumns.Wide("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var status = At(obj, "status");
        var (names, images) = Containers(At(spec, "template", "spec"));
        return
        [
            Name(obj),
            $"{Long(At(status, "readyReplicas")) ?? 0}/{Long(At(spec, "replicas")) ?? 1}",
            Long(At(status, "updatedReplicas")) ?? 0,
            Long(At(status, "availableReplicas")) ?? 0,
            Age(obj, now),
            names,
            images,
            SelectorString(At(spec, "selector")) ?? "<invalid>",
        ];
    }
}
