using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>core/v1 secrets: NAME TYPE DATA AGE.</summary>
internal sealed class SecretTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Type", "Used to facilitate programmatic handling of secret data."),
        CommonColumns.Text("Data", "Data contains the secret data."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), Str(obj["type"]) ?? "", (long)Count(obj["data"]), Age(obj, now)];
}
