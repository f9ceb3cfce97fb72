using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>policy/v1 poddisruptionbudgets: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE.</summary>
internal sealed class PodDisruptionBudgetTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Min Available", "The minimum number of pods that must be available."),
        CommonColumns.Text("Max Unavailable", "The maximum number of pods that may be unavailable."),
        CommonColumns.Integer("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        return
        [
            Name(obj),
            IntOrString(At(spec, "minAvailable")) ?? "N/A",
            IntOrString(At(spec, "maxUnavailable")) ?? "N/A",
            Long(At(obj, "status", "disruptionsAllowed")) ?? 0,
            Age(obj, now),
        ];
    }
}
