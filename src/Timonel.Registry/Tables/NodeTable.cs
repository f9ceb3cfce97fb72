using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// core/v1 nodes: NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
/// STATUS is Ready/NotReady/Unknown from the Ready condition, plus ",SchedulingDisabled" when cordoned.
/// </summary>
internal sealed class NodeTable : ITableConvertor
{
    private const string RoleLabelPrefix = "node-role.kubernetes.io/";
    private const string LegacyRoleLabel = "kubernetes.io/role";

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Status", "The status of the node"),
        CommonColumns.Text("Roles", "The roles of the node"),
        CommonColumns.Age,
        CommonColumns.Text("Version", "Kubelet Version reported by the node."),
        CommonColumns.Wide("Internal-IP", "List of addresses reachable to the node."),
        CommonColumns.Wide("External-IP", "List of addresses reachable to the node."),
        CommonColumns.Wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
        CommonColumns.Wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
        CommonColumns.Wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var status = At(obj, "status");
        var info = At(status, "nodeInfo");
        var roles = string.Join(",", Roles(At(obj, "metadata", "labels")));
        return
        [
            Name(obj),
            Status(obj, status),
            roles.Length == 0 ? "<none>" : roles,
            Age(obj, now),
            Str(At(info, "kubeletVersion")) ?? "",
            Address(status, "InternalIP"),
            Address(status, "ExternalIP"),
            Str(At(info, "osImage"), "<unknown>"),
            Str(At(info, "kernelVersion"), "<unknown>"),
            Str(At(info, "containerRuntimeVersion"), "<unknown>"),
        ];
    }

    private static string Status(JsonObject node, JsonNode? status)
    {
        // The last Ready condition wins, as upstream's condition map does.
        var ready = Objects(At(status, "conditions")).LastOrDefault(c => Str(c["type"]) == "Ready");
        var text = ready is null ? "Unknown" : Str(ready["status"]) == "True" ? "Ready" : "NotReady";
        return Bool(At(node, "spec", "unschedulable")) == true ? text + ",SchedulingDisabled" : text;
    }

    private static IEnumerable<string> Roles(JsonNode? labels) =>
        StringMap(labels)
            .Select(l => l.Key.StartsWith(RoleLabelPrefix, StringComparison.Ordinal) ? l.Key[RoleLabelPrefix.Length..]
                : l.Key == LegacyRoleLabel ? l.Value
                : "")
            .Where(r => r.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    private static string Address(JsonNode? status, string type) =>
        Objects(At(status, "addresses")).FirstOrDefault(a => Str(a["type"]) == type) is { } a ? Str(a["address"]) ?? "" : "<none>";
}
