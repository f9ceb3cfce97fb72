using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;
using static Timonel.ApiServer.Tests.Rbac.RbacFixture;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>
/// RBAC's escalation prevention, as upstream's policy-based RBAC storage: a user may write a
/// role granting only what it holds (or with "escalate"), and bind only a role whose
/// permissions it holds (or with "bind" on that role), on create, update and every patch.
/// </summary>
public sealed class RbacEscalationTests(RbacFixture fx) : IClassFixture<RbacFixture>
{
    private const string Rbac = RbacFixture.Rbac;

    /// <summary>A namespace where <paramref name="user"/> may manage roles and bindings and list configmaps, and nothing else.</summary>
    private async Task<string> ManagerNamespaceAsync(string prefix, string user, params JsonObject[] extra)
    {
        var ns = await fx.NamespaceAsync(prefix);
        await fx.GrantAsync(ns, "manager", [Rule(["create", "update", "patch", "get"], [Group], ["roles", "rolebindings"]), Rule(["list"], [""], ["configmaps"]), .. extra], User(user));
        return ns;
    }

    [Fact]
    public async Task CreateRole_WithMoreThanHeld_Is403ListingMissingRules_NothingWritten()
    {
        var ns = await ManagerNamespaceAsync("esc-role", "esc1");
        var role = RoleObject("Role", "greedy", Rule(["list"], [""], ["configmaps"]), Rule(["get", "delete"], [""], ["secrets"]), Rule(["create"], ["apps"], ["deployments"]));

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("esc1", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/roles", role));

        ApiAssert.Failure(refused, 403, "Forbidden");
        Assert.Equal(
            "roles.rbac.authorization.k8s.io \"greedy\" is forbidden: user \"esc1\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
            + "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"delete\"]}\n"
            + "{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"create\"]}",
            refused.Message);
        Assert.Equal("greedy", ApiResponse.Str(refused.Body?["details"]?["name"]));
        Assert.Equal("roles", ApiResponse.Str(refused.Body?["details"]?["kind"]));
        ApiAssert.Code(404, await fx.Client.GetAsync($"{Rbac}/namespaces/{ns}/roles/greedy"));
    }

    [Fact]
    public async Task CreateRole_WithinHeld_Allowed_UpdateAddingMore_Refused_PatchToo()
    {
        var ns = await ManagerNamespaceAsync("esc-within", "esc2");

        ApiAssert.Code(201, await fx.AsAsync("esc2", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/roles", RoleObject("Role", "modest", Rule(["list"], [""], ["configmaps"]))));

        var bigger = RoleObject("Role", "modest", Rule(["list", "delete"], [""], ["configmaps"]));
        var put = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("esc2", HttpMethod.Put, $"{Rbac}/namespaces/{ns}/roles/modest", bigger));
        ApiAssert.Failure(put, 403, "Forbidden", "is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"delete\"]}");
        foreach (var (patch, type) in new[]
        {
            ("""{"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]}""", ApiClient.MergePatch),
            ("""[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}}]""", ApiClient.JsonPatch),
            ("""{"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]}""", ApiClient.StrategicPatch),
        })
        {
            var patched = await ApiAssert.NoWriteAsync(fx, () => fx.PatchAsAsync("esc2", $"{Rbac}/namespaces/{ns}/roles/modest", patch, type));
            ApiAssert.Failure(patched, 403, "Forbidden", "Resources:[\"secrets\"], Verbs:[\"get\"]}");
        }

        // A change that grants nothing new (a label) goes through.
        ApiAssert.Code(200, await fx.PatchAsAsync("esc2", $"{Rbac}/namespaces/{ns}/roles/modest", """{"metadata":{"labels":{"a":"b"}}}""", ApiClient.MergePatch));
    }

    [Fact]
    public async Task CreateRole_WithEscalateVerb_Allowed()
    {
        var ns = await ManagerNamespaceAsync("esc-escalate", "esc3", Rule(["escalate"], [Group], ["roles"]));

        ApiAssert.Code(201, await fx.AsAsync("esc3", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/roles", RoleObject("Role", "big", Rule(["*"], ["*"], ["*"]))));
    }

    [Fact]
    public async Task BindClusterAdminToSelf_Refused_WithBindVerbAllowed()
    {
        await EnsureClusterAdminAsync();
        var ns = await ManagerNamespaceAsync("esc-bind", "esc4");
        var crb = BindingObject("ClusterRoleBinding", "esc4-admin", "ClusterRole", "test-cluster-admin", User("esc4"));
        await fx.ClusterRoleAsync("esc4-crb-writer", Rule(["create"], [Group], ["clusterrolebindings"]));
        await fx.ClusterBindAsync("esc4-crb-writer", "esc4-crb-writer", User("esc4"));

        var clusterWide = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("esc4", HttpMethod.Post, $"{Rbac}/clusterrolebindings", crb));
        var inNamespace = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("esc4", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", "admin", "ClusterRole", "test-cluster-admin", User("esc4"))));

        ApiAssert.Failure(clusterWide, 403, "Forbidden");
        Assert.StartsWith("clusterrolebindings.rbac.authorization.k8s.io \"esc4-admin\" is forbidden: user \"esc4\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n", clusterWide.Message, StringComparison.Ordinal);
        Assert.Contains("{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}", clusterWide.Message, StringComparison.Ordinal);
        Assert.Contains("{NonResourceURLs:[\"*\"], Verbs:[\"*\"]}", clusterWide.Message, StringComparison.Ordinal);
        ApiAssert.Failure(inNamespace, 403, "Forbidden", "rolebindings.rbac.authorization.k8s.io \"admin\" is forbidden: user \"esc4\"");
        ApiAssert.Code(404, await fx.Client.GetAsync($"{Rbac}/clusterrolebindings/esc4-admin"));

        // "bind" on that one ClusterRole, in this namespace only.
        await fx.GrantAsync(ns, "binder", [Rule(["bind"], [Group], ["clusterroles"], ["test-cluster-admin"])], User("esc4"));
        ApiAssert.Code(201, await fx.AsAsync("esc4", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", "admin", "ClusterRole", "test-cluster-admin", User("esc4"))));
        ApiAssert.Failure(await fx.AsAsync("esc4", HttpMethod.Post, $"{Rbac}/clusterrolebindings", crb), 403, "Forbidden");
    }

    [Fact]
    public async Task Bind_VerbForAnotherRoleName_DoesNotHelp()
    {
        await EnsureClusterAdminAsync();
        var ns = await ManagerNamespaceAsync("esc-bindname", "esc5", Rule(["bind"], [Group], ["clusterroles"], ["view-only"]));

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("esc5", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", "admin", "ClusterRole", "test-cluster-admin", User("esc5"))));

        ApiAssert.Failure(refused, 403, "Forbidden", "is attempting to grant RBAC permissions not currently held");
    }

    [Fact]
    public async Task BindRoleWithinHeld_Allowed_BindMissingRole_Is404()
    {
        var ns = await ManagerNamespaceAsync("esc-held", "esc6");
        ApiAssert.Code(201, await fx.Client.PostAsync($"{Rbac}/namespaces/{ns}/roles", RoleObject("Role", "cm-list", Rule(["list"], [""], ["configmaps"]))));

        ApiAssert.Code(201, await fx.AsAsync("esc6", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", "friend", "Role", "cm-list", User("friend"))));
        var missing = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("esc6", HttpMethod.Post, $"{Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", "ghost", "Role", "no-role", User("friend"))));

        ApiAssert.Failure(missing, 404, "NotFound");
        Assert.Equal("roles.rbac.authorization.k8s.io \"no-role\" not found", missing.Message);
        ApiAssert.Code(200, await fx.AsAsync("friend", HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps"));
    }

    [Fact]
    public async Task AggregatedClusterRole_NeedsEverything()
    {
        await fx.ClusterRoleAsync("esc7-cr-writer", Rule(["create"], [Group], ["clusterroles"]));
        await fx.ClusterBindAsync("esc7-cr-writer", "esc7-cr-writer", User("esc7"));
        var aggregated = RoleObject("ClusterRole", "esc7-aggregate");
        aggregated["aggregationRule"] = JsonNode.Parse("""{"clusterRoleSelectors":[{"matchLabels":{"x":"y"}}]}""");

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("esc7", HttpMethod.Post, $"{Rbac}/clusterroles", aggregated));

        ApiAssert.Failure(refused, 403, "Forbidden");
        Assert.Equal("clusterroles.rbac.authorization.k8s.io \"esc7-aggregate\" is forbidden: must have cluster-admin privileges to use the aggregationRule", refused.Message);
    }

    [Fact]
    public async Task Masters_NeverChecked()
    {
        await EnsureClusterAdminAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync($"{Rbac}/clusterrolebindings", BindingObject("ClusterRoleBinding", "masters-bind", "ClusterRole", "missing-role-is-fine", User("someone"))));
    }

    private async Task EnsureClusterAdminAsync()
    {
        var created = await fx.Client.PostAsync($"{Rbac}/clusterroles", RoleObject("ClusterRole", "test-cluster-admin", Rule(["*"], ["*"], ["*"]), UrlRule(["*"], ["*"])));
        Assert.True(created.Code is 201 or 409, created.ToString());
    }
}
