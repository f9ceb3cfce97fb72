using System.Text.Json.Nodes;

namespace Timonel.Registry.Tables;

/// <summary>Turns objects of one kind into Table rows with upstream's columns for `kubectl get`.</summary>
public interface ITableConvertor
{
    IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>
    /// The cells of one row, one per column including the priority-1 (wide) ones, as upstream's
    /// server always generates: string, long, bool (upstream's "boolean" cells), or null.
    /// Never throws for missing or mistyped fields.
    /// </summary>
    IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now);
}
