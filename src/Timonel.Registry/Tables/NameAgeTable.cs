using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>The table of any resource without a convertor of its own: NAME AGE.</summary>
internal sealed class NameAgeTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } = [CommonColumns.Name, CommonColumns.Age];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) => [Name(obj), Age(obj, now)];
}
