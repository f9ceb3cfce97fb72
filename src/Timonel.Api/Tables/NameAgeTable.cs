using System.Text.Json.Nodes;
using static Timonel.Api.Tables.TableCells;

namespace Timonel.Api.Tables;

/// <summary>The table of any resource without a convertor of its own: NAME AGE.</summary>
internal sealed class NameAgeTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } = [CommonColumns.Name, CommonColumns.Age];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) => [Name(obj), Age(obj, now)];
}
