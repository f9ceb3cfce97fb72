using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>coordination.k8s.io/v1 leases: NAME HOLDER AGE.</summary>
internal sealed class LeaseTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Holder", "holderIdentity contains the identity of the holder of a current lease."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), Str(At(obj, "spec", "holderIdentity")) ?? "", Age(obj, now)];
}
