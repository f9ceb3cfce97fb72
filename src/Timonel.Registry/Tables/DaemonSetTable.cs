using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>apps/v1 daemonsets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE | CONTAINERS IMAGES SELECTOR.</summary>
internal sealed class DaemonSetTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Integer("Desired", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
        CommonColumns.Integer("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
        CommonColumns.Integer("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
        CommonColumns.Integer("Up-to-date", "The total number of nodes that are running updated daemon pod"),
        CommonColumns.Integer("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
        CommonColumns.Text("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
        CommonColumns.Age,
        CommonColumns.Containers,
        CommonColumns.Images,
        CommonColumns.Wide("Selector", "A label query over pods that are managed by the daemon set. Must match in order to be controlled."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var status = At(obj, "status");
        var podSpec = At(spec, "template", "spec");
        var (names, images) = Containers(podSpec);
        return
        [
            Name(obj),
            Long(At(status, "desiredNumberScheduled")) ?? 0,
            Long(At(status, "currentNumberScheduled")) ?? 0,
            Long(At(status, "numberReady")) ?? 0,
            Long(At(status, "updatedNumberScheduled")) ?? 0,
            Long(At(status, "numberAvailable")) ?? 0,
            FormatLabels(At(podSpec, "nodeSelector")),
            Age(obj, now),
            names,
            images,
            FormatSelector(At(spec, "selector")),
        ];
    }
}
