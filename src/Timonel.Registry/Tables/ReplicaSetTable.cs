using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR: apps/v1 replicasets and core/v1
/// replicationcontrollers print the same columns; they differ in upstream's column descriptions
/// and in the selector's form (a LabelSelector, or a plain label map).
/// </summary>
internal sealed class ReplicaSetTable : ITableConvertor
{
    private readonly Func<JsonNode?, string> _selector;

    private ReplicaSetTable(string desired, string current, string ready, string selector, Func<JsonNode?, string> formatSelector)
    {
        _selector = formatSelector;
        Columns =
        [
            CommonColumns.Name,
            CommonColumns.Integer("Desired", desired),
            CommonColumns.Integer("Current", current),
            CommonColumns.Integer("Ready", ready),
            CommonColumns.Age,
            CommonColumns.Containers,
            CommonColumns.Images,
            CommonColumns.Wide("Selector", selector),
        ];
    }

    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>apps/v1 replicasets.</summary>
    public static ReplicaSetTable ForReplicaSets() => new(
        "Replicas is the number of desired pods.",
        "Replicas is the most recently observed number of non-terminating pods.",
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
        "Selector is a label query over pods that should match the replica count.",
        FormatSelector);

    /// <summary>core/v1 replicationcontrollers (the selector is a label map).</summary>
    public static ReplicaSetTable ForReplicationControllers() => new(
        "Replicas is the number of desired replicas.",
        "Replicas is the most recently observed number of replicas.",
        "The number of ready replicas for this replication controller.",
        "Selector is a label query over pods that should match the Replicas count.",
        FormatLabels);

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
            _selector(At(spec, "selector")),
        ];
    }
}
