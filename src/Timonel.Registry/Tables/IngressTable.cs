using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>networking.k8s.io/v1 ingresses: NAME CLASS HOSTS ADDRESS PORTS AGE.</summary>
internal sealed class IngressTable : ITableConvertor
{
    private const int Shown = 3;

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Class", "The name of the IngressClass resource that should be used for additional configuration"),
        CommonColumns.Text("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
        CommonColumns.Text("Address", "Address is a list containing ingress points for the load-balancer"),
        CommonColumns.Text("Ports", "Ports of TLS configurations that open"),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        return
        [
            Name(obj),
            Str(At(spec, "ingressClassName")) ?? "<none>",
            Hosts(Objects(At(spec, "rules")).ToList()),
            string.Join(",", ServiceTable.LoadBalancerAddresses(At(obj, "status", "loadBalancer"))),
            Count(At(spec, "tls")) > 0 ? "80, 443" : "80",
            Age(obj, now),
        ];
    }

    private static string Hosts(List<JsonObject> rules)
    {
        // Upstream keeps the first three hosts and counts every rule after them as "more".
        var hosts = new List<string>();
        var more = false;
        foreach (var rule in rules)
        {
            more |= hosts.Count == Shown;
            if (!more && Str(rule["host"]) is { Length: > 0 } host)
            {
                hosts.Add(host);
            }
        }

        if (hosts.Count == 0)
        {
            return "*";
        }

        var shown = string.Join(",", hosts);
        return more ? $"{shown} + {rules.Count - Shown} more..." : shown;
    }
}
