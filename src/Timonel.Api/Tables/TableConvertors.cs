using System.Text.Json.Nodes;
using Timonel.Api.Resources;

namespace Timonel.Api.Tables;

/// <summary>Chooses the table convertor of a resource (stub: NAME and AGE for all).</summary>
public static class TableConvertors
{
    private static readonly ITableConvertor Default = new NameAgeTable();

    public static ITableConvertor For(ApiResource resource) => Default;

    private sealed class NameAgeTable : ITableConvertor
    {
        public IReadOnlyList<TableColumn> Columns { get; } =
        [
            new("Name", "string", "name", "Name must be unique within a namespace.", 0),
            new("Created At", "date", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0),
        ];

        public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
            [obj["metadata"]?["name"]?.GetValue<string>(), obj["metadata"]?["creationTimestamp"]?.GetValue<string>()];
    }
}
