using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>core/v1 endpoints: NAME ENDPOINTS AGE; ENDPOINTS lists "ip:port" up to three, then "+ N more...".</summary>
internal sealed class EndpointsTable : ITableConvertor
{
    private const int Shown = 3;

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Endpoints", "The set of all endpoints is the union of all subsets."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) => [Name(obj), Format(obj["subsets"]), Age(obj, now)];

    private static string Format(JsonNode? subsets)
    {
        if (Count(subsets) == 0)
        {
            return "<none>";
        }

        var list = new List<string>();
        foreach (var subset in Objects(subsets))
        {
            var ips = Objects(subset["addresses"]).Select(a => Str(a["ip"]) ?? "").ToList();
            var ports = Objects(subset["ports"]).ToList();
            if (ports.Count == 0)
            {
                // A headless service may have no ports.
                list.AddRange(ips);
                continue;
            }

            foreach (var port in ports)
            {
                list.AddRange(ips.Select(ip => JoinHostPort(ip, Long(port["port"]) ?? 0)));
            }
        }

        return ListWithMore(list, Shown, "");
    }
}
