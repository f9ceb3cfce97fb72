using System.Globalization;
using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>discovery.k8s.io/v1 endpointslices: NAME ADDRESSTYPE PORTS ENDPOINTS AGE.</summary>
internal sealed class EndpointSliceTable : ITableConvertor
{
    private const int Shown = 3;

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
        CommonColumns.Text("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
        CommonColumns.Text("Endpoints", "endpoints is a list of unique endpoints in this slice."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var ports = Objects(obj["ports"])
            .Select(p => Long(p["port"])?.ToString(CultureInfo.InvariantCulture) ?? Str(p["name"]) ?? "*")
            .ToList();
        var endpoints = Objects(obj["endpoints"]).SelectMany(e => Strings(e["addresses"])).ToList();
        return
        [
            Name(obj),
            Str(obj["addressType"]) ?? "",
            ListWithMore(ports, Shown, "<unset>"),
            ListWithMore(endpoints, Shown, "<unset>"),
            Age(obj, now),
        ];
    }
}
