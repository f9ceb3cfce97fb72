using System.Text.Json.Nodes;

namespace Timonel.Registry.Tables;

/// <summary>A table given as columns after NAME, each with the function that reads its cell (for kinds whose printers only read fields).</summary>
internal sealed class ColumnTable : ITableConvertor
{
    private readonly IReadOnlyList<Func<JsonObject, DateTimeOffset, object?>> _cells;

    public ColumnTable(params (TableColumn Column, Func<JsonObject, DateTimeOffset, object?> Cell)[] columns)
    {
        Columns = [CommonColumns.Name, .. columns.Select(c => c.Column)];
        _cells = [(o, _) => TableCells.Name(o), .. columns.Select(c => c.Cell)];
    }

    public IReadOnlyList<TableColumn> Columns { get; }

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) => [.. _cells.Select(c => c(obj, now))];
}
