using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// Upstream's default table (rest.NewDefaultTableConvertor), used for built-in kinds that have no
/// printer of their own (roles, clusterroles, limitranges): NAME and CREATED AT as an RFC 3339 date.
/// </summary>
internal sealed class CreatedAtTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        new("Created At", "date", "", CommonColumns.CreationTimestampDescription, 0),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        // Go prints a zero metav1.Time as null; a set one in UTC to the second.
        var created = Time(At(obj, "metadata", "creationTimestamp"));
        return [Name(obj), created?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)];
    }
}
