using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>networking.k8s.io/v1 networkpolicies: NAME POD-SELECTOR AGE.</summary>
internal sealed class NetworkPolicyTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), FormatSelector(At(obj, "spec", "podSelector") ?? new JsonObject()), Age(obj, now)];
}
