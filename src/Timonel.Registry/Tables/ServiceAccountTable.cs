using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>core/v1 serviceaccounts: NAME SECRETS AGE.</summary>
internal sealed class ServiceAccountTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), (long)Count(obj["secrets"]), Age(obj, now)];
}
