using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>rbac.authorization.k8s.io/v1 rolebindings and clusterrolebindings: NAME ROLE AGE | USERS GROUPS SERVICEACCOUNTS.</summary>
internal sealed class RoleBindingTable : ITableConvertor
{
    private RoleBindingTable(string kind) =>
        Columns =
        [
            CommonColumns.Name,
            CommonColumns.Text("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."),
            CommonColumns.Age,
            CommonColumns.Wide("Users", $"Users in the {kind}"),
            CommonColumns.Wide("Groups", $"Groups in the {kind}"),
            CommonColumns.Wide("ServiceAccounts", $"ServiceAccounts in the {kind}"),
        ];

    public static RoleBindingTable Namespaced { get; } = new("roleBinding");

    public static RoleBindingTable Cluster { get; } = new("clusterRoleBinding");

    public IReadOnlyList<TableColumn> Columns { get; }

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var subjects = Objects(obj["subjects"]).ToList();
        IEnumerable<string> Of(string kind, Func<JsonObject, string> format) =>
            subjects.Where(s => Str(s["kind"]) == kind).Select(format);

        var roleRef = obj["roleRef"];
        return
        [
            Name(obj),
            $"{Str(At(roleRef, "kind")) ?? ""}/{Str(At(roleRef, "name")) ?? ""}",
            Age(obj, now),
            string.Join(", ", Of("User", s => Str(s["name"]) ?? "")),
            string.Join(", ", Of("Group", s => Str(s["name"]) ?? "")),
            string.Join(", ", Of("ServiceAccount", s => $"{Str(s["namespace"]) ?? ""}/{Str(s["name"]) ?? ""}")),
        ];
    }
}
