using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>A fresh server holds upstream 1.33's RBAC bootstrap policy: default roles, bindings, controller roles and the namespaced ones.</summary>
public sealed class RbacBootstrapTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Rbac = "/apis/rbac.authorization.k8s.io/v1";

    private static JsonArray Strings(params string[] values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    private static JsonObject ResourceRule(string[] verbs, string[] groups, string[] resources, string[]? names = null)
    {
        var rule = new JsonObject { ["verbs"] = Strings(verbs), ["apiGroups"] = Strings(groups), ["resources"] = Strings(resources) };
        if (names is not null)
        {
            rule["resourceNames"] = Strings(names);
        }

        return rule;
    }

    private static JsonObject UrlRule(string[] verbs, string[] urls) => new() { ["verbs"] = Strings(verbs), ["nonResourceURLs"] = Strings(urls) };

    private async Task<JsonObject> GetAsync(string path)
    {
        var response = await fx.Client.GetAsync(Rbac + path);
        Assert.True(response.Code == 200, response.ToString());
        return response.Object;
    }

    private static void AssertRules(JsonObject role, params JsonObject[] expected)
    {
        var actual = role["rules"]?.AsArray() ?? [];
        Assert.True(JsonNode.DeepEquals(new JsonArray([.. expected]), actual), $"rules of {role["metadata"]?["name"]}: {actual.ToJsonString()}");
    }

    [Fact]
    public async Task ClusterAdmin_FreshServer_UpstreamRulesLabelAndAnnotation()
    {
        var role = await GetAsync("/clusterroles/cluster-admin");

        AssertRules(role, ResourceRule(["*"], ["*"], ["*"]), UrlRule(["*"], ["*"]));
        Assert.Equal("rbac-defaults", (string?)role["metadata"]!["labels"]!["kubernetes.io/bootstrapping"]);
        Assert.Equal("true", (string?)role["metadata"]!["annotations"]!["rbac.authorization.kubernetes.io/autoupdate"]);
    }

    [Fact]
    public async Task DiscoveryAndPublicInfoRoles_FreshServer_UpstreamUrls()
    {
        AssertRules(await GetAsync("/clusterroles/system:discovery"),
            UrlRule(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]));
        AssertRules(await GetAsync("/clusterroles/system:public-info-viewer"),
            UrlRule(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"]));
        AssertRules(await GetAsync("/clusterroles/system:monitoring"),
            UrlRule(["get"], ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*"]));
        AssertRules(await GetAsync("/clusterroles/system:basic-user"),
            ResourceRule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            ResourceRule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]));
    }

    [Fact]
    public async Task ComponentRoles_FreshServer_UpstreamRulesSpotChecked()
    {
        var scheduler = (await GetAsync("/clusterroles/system:kube-scheduler"))["rules"]!.AsArray();
        Assert.True(JsonNode.DeepEquals(ResourceRule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]), scheduler[0]));
        Assert.True(JsonNode.DeepEquals(ResourceRule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-scheduler"]), scheduler[2]));
        Assert.Contains(scheduler, r => JsonNode.DeepEquals(r, ResourceRule(["create"], [""], ["bindings", "pods/binding"])));

        AssertRules(await GetAsync("/clusterroles/system:node-proxier"),
            ResourceRule(["list", "watch"], [""], ["endpoints", "services"]),
            ResourceRule(["get", "list", "watch"], [""], ["nodes"]),
            ResourceRule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
            ResourceRule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]));
        AssertRules(await GetAsync("/clusterroles/system:certificates.k8s.io:kubelet-serving-approver"),
            ResourceRule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kubelet-serving"]));
        AssertRules(await GetAsync("/clusterroles/system:controller:clusterrole-aggregation-controller"),
            ResourceRule(["escalate", "get", "list", "patch", "update", "watch"], ["rbac.authorization.k8s.io"], ["clusterroles"]));
        var node = (await GetAsync("/clusterroles/system:node"))["rules"]!.AsArray();
        Assert.Equal(22, node.Count);
        Assert.True(JsonNode.DeepEquals(ResourceRule(["create", "delete", "get", "patch", "update"], ["coordination.k8s.io"], ["leases"]), node[15]));
    }

    [Fact]
    public async Task AggregatedRoles_FreshServer_SelectorsAndAggregationLabels()
    {
        foreach (var (name, selects, labelledInto) in new[] { ("admin", "admin", (string?)null), ("edit", "edit", "admin"), ("view", "view", "edit") })
        {
            var role = await GetAsync($"/clusterroles/{name}");
            var expected = new JsonObject
            {
                ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { [$"rbac.authorization.k8s.io/aggregate-to-{selects}"] = "true" } }),
            };
            Assert.True(JsonNode.DeepEquals(expected, role["aggregationRule"]), role.ToJsonString());
            if (labelledInto is not null)
            {
                Assert.Equal("true", (string?)role["metadata"]!["labels"]![$"rbac.authorization.k8s.io/aggregate-to-{labelledInto}"]);
            }
        }

        var toView = await GetAsync("/clusterroles/system:aggregate-to-view");
        Assert.Equal("true", (string?)toView["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-view"]);
        Assert.Contains(toView["rules"]!.AsArray(), r => JsonNode.DeepEquals(r, ResourceRule(["get", "list", "watch"], ["discovery.k8s.io"], ["endpointslices"])));
        AssertRules(await GetAsync("/clusterroles/system:aggregate-to-admin"),
            ResourceRule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
            ResourceRule(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["rbac.authorization.k8s.io"], ["rolebindings", "roles"]));
    }

    [Fact]
    public async Task ClusterRoleBindings_FreshServer_UpstreamSubjects()
    {
        static JsonObject Group(string name) => new() { ["kind"] = "Group", ["apiGroup"] = "rbac.authorization.k8s.io", ["name"] = name };
        static JsonObject User(string name) => new() { ["kind"] = "User", ["apiGroup"] = "rbac.authorization.k8s.io", ["name"] = name };
        static JsonObject Sa(string name) => new() { ["kind"] = "ServiceAccount", ["name"] = name, ["namespace"] = "kube-system" };

        (string Binding, JsonObject[] Subjects)[] expected =
        [
            ("cluster-admin", [Group("system:masters")]),
            ("system:basic-user", [Group("system:authenticated")]),
            ("system:discovery", [Group("system:authenticated")]),
            ("system:public-info-viewer", [Group("system:authenticated"), Group("system:unauthenticated")]),
            ("system:node-proxier", [User("system:kube-proxy")]),
            ("system:kube-scheduler", [User("system:kube-scheduler")]),
            ("system:kube-controller-manager", [User("system:kube-controller-manager")]),
            ("system:kube-dns", [Sa("kube-dns")]),
            ("system:controller:replicaset-controller", [Sa("replicaset-controller")]),
            ("system:controller:clusterrole-aggregation-controller", [Sa("clusterrole-aggregation-controller")]),
        ];
        foreach (var (name, subjects) in expected)
        {
            var binding = await GetAsync($"/clusterrolebindings/{name}");
            Assert.True(JsonNode.DeepEquals(new JsonArray([.. subjects]), binding["subjects"]), $"{name}: {binding["subjects"]?.ToJsonString()}");
            Assert.Equal(name, (string?)binding["roleRef"]!["name"]);
            Assert.Equal("ClusterRole", (string?)binding["roleRef"]!["kind"]);
        }

        // Kubelets are authorized by the node authorizer: the binding is there with no subjects.
        Assert.Null((await GetAsync("/clusterrolebindings/system:node"))["subjects"]);
    }

    [Fact]
    public async Task NamespacedRoles_FreshServer_KubeSystemAndKubePublic()
    {
        AssertRules(await GetAsync("/namespaces/kube-system/roles/extension-apiserver-authentication-reader"),
            ResourceRule(["get", "list", "watch"], [""], ["configmaps"], ["extension-apiserver-authentication"]));
        var signer = await GetAsync("/namespaces/kube-public/roles/system:controller:bootstrap-signer");
        Assert.Contains(signer["rules"]!.AsArray(), r => JsonNode.DeepEquals(r, ResourceRule(["update"], [""], ["configmaps"], ["cluster-info"])));
        Assert.NotNull((await GetAsync("/namespaces/kube-system/roles/system::leader-locking-kube-scheduler"))["rules"]);

        var reader = await GetAsync("/namespaces/kube-system/rolebindings/system::extension-apiserver-authentication-reader");
        Assert.Equal(["system:kube-controller-manager", "system:kube-scheduler"], reader["subjects"]!.AsArray().Select(s => (string?)s!["name"]));
        var signerBinding = await GetAsync("/namespaces/kube-public/rolebindings/system:controller:bootstrap-signer");
        Assert.Equal("kube-system", (string?)signerBinding["subjects"]![0]!["namespace"]);
        Assert.Equal("Role", (string?)signerBinding["roleRef"]!["kind"]);
    }

    [Fact]
    public async Task ControllerRoles_FreshServer_OnePerUpstreamController()
    {
        var list = await fx.Client.GetAsync(Rbac + "/clusterroles?labelSelector=kubernetes.io%2Fbootstrapping%3Drbac-defaults");
        Assert.Equal(200, list.Code);
        var names = list.Object["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToHashSet();

        string[] controllers =
        [
            "attachdetach-controller", "certificate-controller", "clusterrole-aggregation-controller", "cronjob-controller",
            "daemon-set-controller", "deployment-controller", "disruption-controller", "endpoint-controller",
            "endpointslice-controller", "endpointslicemirroring-controller", "ephemeral-volume-controller", "expand-controller",
            "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller", "legacy-service-account-token-cleaner",
            "namespace-controller", "node-controller", "persistent-volume-binder", "pod-garbage-collector",
            "pv-protection-controller", "pvc-protection-controller", "replicaset-controller", "replication-controller",
            "resourcequota-controller", "root-ca-cert-publisher", "route-controller", "selinux-warning-controller",
            "service-account-controller", "service-cidrs-controller", "service-controller", "statefulset-controller",
            "ttl-after-finished-controller", "ttl-controller", "validatingadmissionpolicy-status-controller",
        ];
        Assert.Equal(controllers.Select(c => "system:controller:" + c).Order(StringComparer.Ordinal),
            names.Where(n => n.StartsWith("system:controller:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        foreach (var name in (string[])["cluster-admin", "admin", "edit", "view", "system:heapster", "system:node-bootstrapper", "system:auth-delegator",
            "system:volume-scheduler", "system:kube-dns", "system:certificates.k8s.io:certificatesigningrequests:nodeclient"])
        {
            Assert.Contains(name, names);
        }
    }

    [Fact]
    public async Task KubectlAuthReconcile_RoleAndBindingFile_CreatedThenSubjectAdded()
    {
        var ns = await fx.NamespaceAsync("reconcile");
        var home = Directory.CreateTempSubdirectory("rbac-home-").FullName;
        var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, home);
        var file = Path.Combine(home, "rbac.yaml");
        await File.WriteAllTextAsync(file, $"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {"{"}name: reader, namespace: {ns}{"}"}
            rules:
            - {"{"}apiGroups: [""], resources: [pods], verbs: [get, list]{"}"}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {"{"}name: reader, namespace: {ns}{"}"}
            roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader{"}"}
            subjects:
            - {"{"}apiGroup: rbac.authorization.k8s.io, kind: User, name: alice{"}"}
            """);

        var first = await kubectl.RunAsync(["auth", "reconcile", "-f", file]);

        Assert.True(first.ExitCode == 0, first.Stderr + first.Stdout);
        var role = await GetAsync($"/namespaces/{ns}/roles/reader");
        AssertRules(role, ResourceRule(["get", "list"], [""], ["pods"]));

        // A second reconcile with a new subject and verb adds them, keeping what is there.
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("verbs: [get, list]", "verbs: [watch]", StringComparison.Ordinal).Replace("name: alice", "name: bob", StringComparison.Ordinal));
        var second = await kubectl.RunAsync(["auth", "reconcile", "-f", file]);

        Assert.True(second.ExitCode == 0, second.Stderr + second.Stdout);
        var binding = await GetAsync($"/namespaces/{ns}/rolebindings/reader");
        Assert.Equal(["alice", "bob"], binding["subjects"]!.AsArray().Select(s => (string?)s!["name"]));
        var rules = (await GetAsync($"/namespaces/{ns}/roles/reader"))["rules"]!.AsArray();
        Assert.Equal(2, rules.Count);
        Assert.Equal(["watch"], rules[1]!["verbs"]!.AsArray().Select(v => (string?)v));
    }
}
