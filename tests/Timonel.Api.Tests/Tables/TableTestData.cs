using System.Text.Json.Nodes;

namespace Timonel.Api.Tests.Tables;

/// <summary>Shared clock and JSON parsing for table tests.</summary>
internal static class TableTestData
{
    public static readonly DateTimeOffset Now = new(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An RFC 3339 timestamp <paramref name="ago"/> before <see cref="Now"/>.</summary>
    public static string Ago(TimeSpan ago) => (Now - ago).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>The cell under the column named <paramref name="column"/>.</summary>
    public static object? Cell(Timonel.Registry.Tables.ITableConvertor convertor, JsonObject obj, string column)
    {
        var index = convertor.Columns.ToList().FindIndex(c => c.Name == column);
        Xunit.Assert.True(index >= 0, $"no column {column}");
        return convertor.Cells(obj, Now)[index];
    }
}
