using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>core/v1 services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR.</summary>
internal sealed class ServiceTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Type", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
        CommonColumns.Text("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
        CommonColumns.Text("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
        CommonColumns.Text("Port(s)", "The list of ports that are exposed by this service."),
        CommonColumns.Age,
        CommonColumns.Wide("Selector", "Route service traffic to pods with label keys and values matching this selector."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");

        // Stored services are defaulted; an undefaulted one reads as upstream's defaults.
        var type = Str(At(spec, "type"), "ClusterIP");
        var clusterIp = Strings(At(spec, "clusterIPs")).FirstOrDefault() ?? Str(At(spec, "clusterIP"), "<none>");
        var ports = string.Join(",", Objects(At(spec, "ports")).Select(Port));
        return
        [
            Name(obj),
            type,
            clusterIp,
            ExternalIp(type, spec, At(obj, "status")),
            ports.Length == 0 ? "<none>" : ports,
            Age(obj, now),
            FormatLabels(At(spec, "selector")),
        ];
    }

    private static string Port(JsonObject port)
    {
        var number = Long(port["port"]) ?? 0;
        var protocol = Str(port["protocol"], "TCP");
        return Long(port["nodePort"]) is > 0 and var nodePort ? $"{number}:{nodePort}/{protocol}" : $"{number}/{protocol}";
    }

    private static string ExternalIp(string type, JsonNode? spec, JsonNode? status)
    {
        var externalIps = Strings(At(spec, "externalIPs")).ToList();
        switch (type)
        {
            case "ClusterIP":
            case "NodePort":
                return externalIps.Count > 0 ? string.Join(",", externalIps) : "<none>";
            case "LoadBalancer":
                var balancer = LoadBalancerAddresses(At(status, "loadBalancer"));
                if (externalIps.Count > 0)
                {
                    return string.Join(",", balancer.Concat(externalIps));
                }

                return balancer.Count > 0 ? string.Join(",", balancer) : "<pending>";
            case "ExternalName":
                return Str(At(spec, "externalName")) ?? "";
            default:
                return "<unknown>";
        }
    }

    /// <summary>Distinct ingress IPs (else hostnames), sorted; shared with ingresses.</summary>
    internal static List<string> LoadBalancerAddresses(JsonNode? loadBalancer) =>
        Objects(At(loadBalancer, "ingress"))
            .Select(i => Str(i["ip"], Str(i["hostname"]) ?? ""))
            .Where(a => a.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
}
