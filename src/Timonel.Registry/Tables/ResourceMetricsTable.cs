using System.Text.Json.Nodes;
using Timonel.Api.Quota;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// metrics.k8s.io NodeMetrics and PodMetrics: Name, cpu, memory (a pod's summed over its
/// containers) and Window, as metrics-server's table convertor prints them.
/// </summary>
internal sealed class ResourceMetricsTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "name", "Name of the resource", 0),
        new("cpu", "string", "quantity", "", 0),
        new("memory", "string", "quantity", "", 0),
        new("Window", "string", "duration", "", 0),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        IEnumerable<JsonNode?> usages = obj["containers"] is JsonArray containers
            ? containers.OfType<JsonObject>().Select(c => c["usage"])
            : [obj["usage"]];
        decimal cpu = 0, memory = 0;
        var binary = false;
        foreach (var usage in usages)
        {
            cpu += Value(usage?["cpu"], out _);
            memory += Value(usage?["memory"], out var isBinary);
            binary |= isBinary;
        }

        return [Name(obj), QuantityFormat.Format(cpu, binary: false), QuantityFormat.Format(memory, binary), Str(obj["window"]) ?? ""];
    }

    private static decimal Value(JsonNode? node, out bool binary)
    {
        var text = Str(node);
        binary = QuantityFormat.IsBinary(text);
        return Api.Validation.Quantity.TryParse(text, out var value) ? value : 0;
    }
}
