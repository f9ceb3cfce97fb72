using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>core/v1 configmaps: NAME DATA AGE (DATA counts data and binaryData keys).</summary>
internal sealed class ConfigMapTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Data", "Data contains the configuration data."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Name(obj), (long)(Count(obj["data"]) + Count(obj["binaryData"])), Age(obj, now)];
}
