using System.Text.Json.Nodes;
using Timonel.ApiServer.Registry.Rbac;
using Xunit;

namespace Timonel.ApiServer.Tests.Registry;

/// <summary>Upstream's additive RBAC reconciliation, on the objects alone.</summary>
public sealed class RbacReconciliationTests
{
    private static JsonObject Rule(string verbs, string group, string resources, string? names = null)
    {
        var rule = new JsonObject
        {
            ["verbs"] = Array(verbs),
            ["apiGroups"] = new JsonArray(group),
            ["resources"] = Array(resources),
        };
        if (names is not null)
        {
            rule["resourceNames"] = Array(names);
        }

        return rule;
    }

    private static JsonArray Array(string csv) => new([.. csv.Split(',').Select(s => (JsonNode?)JsonValue.Create(s))]);

    private static JsonObject Role(string name, JsonObject? annotations, params JsonObject[] rules) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["resourceVersion"] = "7",
            ["labels"] = new JsonObject { ["team"] = "a" },
            ["annotations"] = annotations ?? [],
        },
        ["rules"] = new JsonArray([.. rules]),
    };

    private static JsonObject Expected(params JsonObject[] rules) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = "r",
            ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
            ["annotations"] = new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
        },
        ["rules"] = new JsonArray([.. rules]),
    };

    private static JsonObject Subject(string kind, string name, string? apiGroup = "rbac.authorization.k8s.io", string? ns = null)
    {
        var s = new JsonObject { ["kind"] = kind, ["name"] = name };
        if (apiGroup is not null)
        {
            s["apiGroup"] = apiGroup;
        }

        if (ns is not null)
        {
            s["namespace"] = ns;
        }

        return s;
    }

    private static JsonObject Binding(string roleName, JsonObject? annotations, params JsonObject[] subjects) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "b", ["annotations"] = annotations ?? [] },
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = roleName },
        ["subjects"] = new JsonArray([.. subjects]),
    };

    [Fact]
    public void ReconcileRole_MissingRule_AddedAsAtomicRulesUserRuleKept()
    {
        var existing = Role("r", null, Rule("get", "", "pods"), Rule("create", "example.com", "widgets"));

        var result = RbacReconciliation.ReconcileRole(existing, Expected(Rule("get,list", "", "pods")));

        Assert.NotNull(result);
        var rules = result["rules"]!.AsArray();
        Assert.Equal(3, rules.Count);
        Assert.True(JsonNode.DeepEquals(Rule("create", "example.com", "widgets"), rules[1]));
        Assert.True(JsonNode.DeepEquals(Rule("list", "", "pods"), rules[2]));
        // Labels and annotations: the missing ones added, the user's kept.
        Assert.Equal("a", (string?)result["metadata"]!["labels"]!["team"]);
        Assert.Equal("rbac-defaults", (string?)result["metadata"]!["labels"]!["kubernetes.io/bootstrapping"]);
        Assert.Equal("true", (string?)result["metadata"]!["annotations"]!["rbac.authorization.kubernetes.io/autoupdate"]);
        // The stored object itself is not changed.
        Assert.Equal(2, existing["rules"]!.AsArray().Count);
    }

    [Fact]
    public void ReconcileRole_RulesCoveredByWildcardsAndMetadataPresent_NoChange()
    {
        var existing = Role("r", new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" }, Rule("*", "*", "*"));
        existing["metadata"]!["labels"]!["kubernetes.io/bootstrapping"] = "rbac-defaults";

        Assert.Null(RbacReconciliation.ReconcileRole(existing, Expected(Rule("get,list", "", "pods,pods/status"), Rule("get", "apps", "deployments"))));
    }

    [Fact]
    public void ReconcileRole_SubresourceWildcard_CoversSubresourceOnly()
    {
        var existing = Role("r", null, Rule("get", "*", "*/scale"));

        var result = RbacReconciliation.ReconcileRole(existing, Expected(Rule("get", "apps", "deployments/scale,deployments")))!;

        var added = result["rules"]!.AsArray().Skip(1).ToList();
        Assert.Single(added);
        Assert.True(JsonNode.DeepEquals(Rule("get", "apps", "deployments"), added[0]));
    }

    [Fact]
    public void ReconcileRole_NamedRuleOwned_DoesNotCoverUnnamedRule()
    {
        var existing = Role("r", null, Rule("get", "coordination.k8s.io", "leases", "mine"));

        var result = RbacReconciliation.ReconcileRole(existing, Expected(Rule("get", "coordination.k8s.io", "leases")))!;

        Assert.Equal(2, result["rules"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("False")]
    [InlineData("0")]
    public void ReconcileRole_AutoupdateFalse_LeftAlone(string value)
    {
        var expected = Expected(Rule("get,list", "", "pods"));
        // The same role without the annotation would be changed: the annotation is what stops it.
        Assert.NotNull(RbacReconciliation.ReconcileRole(Role("r", null, Rule("get", "", "pods")), expected));

        var existing = Role("r", new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = value }, Rule("get", "", "pods"));

        Assert.Null(RbacReconciliation.ReconcileRole(existing, expected));
    }

    [Fact]
    public void ReconcileRole_AutoupdateNotABoolean_Reconciled()
    {
        var existing = Role("r", new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "no" }, Rule("get", "", "pods"));

        Assert.NotNull(RbacReconciliation.ReconcileRole(existing, Expected(Rule("list", "", "pods"))));
    }

    [Fact]
    public void ReconcileRole_Aggregated_RulesLeftToControllerSelectorAdded()
    {
        var existing = Role("view", null, Rule("get", "example.com", "widgets"));
        existing["aggregationRule"] = new JsonObject
        {
            ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { ["mine"] = "true" } }),
        };
        var expected = Expected();
        expected.Remove("rules");
        var wanted = new JsonObject { ["matchLabels"] = new JsonObject { ["rbac.authorization.k8s.io/aggregate-to-view"] = "true" } };
        expected["aggregationRule"] = new JsonObject { ["clusterRoleSelectors"] = new JsonArray(wanted) };

        var result = RbacReconciliation.ReconcileRole(existing, expected)!;

        var selectors = result["aggregationRule"]!["clusterRoleSelectors"]!.AsArray();
        Assert.Equal(2, selectors.Count);
        Assert.True(JsonNode.DeepEquals(wanted, selectors[1]));
        Assert.True(JsonNode.DeepEquals(existing["rules"], result["rules"]));
    }

    [Fact]
    public void ReconcileBinding_MissingSubject_AddedUserSubjectKept()
    {
        var existing = Binding("view", null, Subject("User", "alice"));
        var expected = Binding("view", new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
            Subject("Group", "system:authenticated"), Subject("ServiceAccount", "kube-dns", apiGroup: null, ns: "kube-system"));

        var (result, recreate) = RbacReconciliation.ReconcileBinding(existing, expected);

        Assert.False(recreate);
        var subjects = result!["subjects"]!.AsArray();
        Assert.Equal(["alice", "system:authenticated", "kube-dns"], subjects.Select(s => (string?)s!["name"]));
    }

    [Fact]
    public void ReconcileBinding_SubjectStoredWithoutApiGroup_SameSubject()
    {
        var existing = Binding("view", new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" }, Subject("User", "alice", apiGroup: null));

        var (result, _) = RbacReconciliation.ReconcileBinding(existing, Binding("view", null, Subject("User", "alice")));

        Assert.Null(result);
    }

    [Fact]
    public void ReconcileBinding_RoleRefDiffers_Recreate()
    {
        var (result, recreate) = RbacReconciliation.ReconcileBinding(Binding("edit", null, Subject("User", "alice")), Binding("view", null, Subject("User", "alice")));

        Assert.True(recreate);
        Assert.Equal("view", (string?)result!["roleRef"]!["name"]);
    }

    [Fact]
    public void ReconcileBinding_AutoupdateFalse_LeftAlone()
    {
        var expected = Binding("view", null, Subject("Group", "g"));
        Assert.NotNull(RbacReconciliation.ReconcileBinding(Binding("view", null), expected).Binding);

        var existing = Binding("view", new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "false" });

        Assert.Null(RbacReconciliation.ReconcileBinding(existing, expected).Binding);
    }

    [Fact]
    public void BootstrapPolicy_Names_UniquePerKindAndNamespace()
    {
        Assert.DoesNotContain(BootstrapPolicy.ClusterRoles().GroupBy(r => (string?)r["metadata"]!["name"]), g => g.Count() > 1);
        Assert.DoesNotContain(BootstrapPolicy.ClusterRoleBindings().GroupBy(r => (string?)r["metadata"]!["name"]), g => g.Count() > 1);
        Assert.DoesNotContain(BootstrapPolicy.Roles().GroupBy(r => ((string?)r["metadata"]!["namespace"], (string?)r["metadata"]!["name"])), g => g.Count() > 1);
        // Every bound role is part of the policy.
        var roles = BootstrapPolicy.ClusterRoles().Select(r => (string?)r["metadata"]!["name"]).ToHashSet();
        Assert.All(BootstrapPolicy.ClusterRoleBindings(), b => Assert.Contains((string?)b["roleRef"]!["name"], roles));
    }
}
