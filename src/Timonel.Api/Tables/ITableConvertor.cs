using System.Text.Json.Nodes;

namespace Timonel.Api.Tables;

/// <summary>Turns objects of one kind into Table rows with upstream's columns for `kubectl get`.</summary>
public interface ITableConvertor
{
    IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>The cells of one row, one per column (string, long, or null).</summary>
    IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now);
}
