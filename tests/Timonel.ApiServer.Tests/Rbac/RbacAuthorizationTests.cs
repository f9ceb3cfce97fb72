using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.ApiServer.Tests.ServiceAccounts;
using Xunit;
using static Timonel.ApiServer.Tests.Rbac.RbacFixture;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>
/// --authorization-mode RBAC over HTTPS: what roles bound to a user, its groups or its service
/// account allow, and upstream's exact 403 for the rest (with nothing written).
/// </summary>
public sealed class RbacAuthorizationTests(RbacFixture fx) : IClassFixture<RbacFixture>
{
    private static readonly HttpMethod Get = HttpMethod.Get;

    [Fact]
    public async Task Role_GrantedVerbs_AllowedOthersForbiddenWithUpstreamMessage()
    {
        var ns = await fx.NamespaceAsync("rbac-verbs");
        await fx.ConfigMapAsync(ns, "cm");
        Assert.Equal(403, (await fx.AsAsync("verbs-user", Get, $"/api/v1/namespaces/{ns}/configmaps")).Code);

        await fx.GrantAsync(ns, "reader", [Rule(["get", "list"], [""], ["configmaps"])], User("verbs-user"));

        ApiAssert.Code(200, await fx.AsAsync("verbs-user", Get, $"/api/v1/namespaces/{ns}/configmaps"));
        ApiAssert.Code(200, await fx.AsAsync("verbs-user", Get, $"/api/v1/namespaces/{ns}/configmaps/cm"));
        var secrets = await fx.AsAsync("verbs-user", Get, $"/api/v1/namespaces/{ns}/secrets");
        ApiAssert.Failure(secrets, 403, "Forbidden");
        Assert.Equal($"secrets is forbidden: User \"verbs-user\" cannot list resource \"secrets\" in API group \"\" in the namespace \"{ns}\"", secrets.Message);
        var delete = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("verbs-user", HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/cm"));
        Assert.Equal($"configmaps \"cm\" is forbidden: User \"verbs-user\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", delete.Message);
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/cm"));
    }

    [Fact]
    public async Task DeniedCreate_WritesNothing()
    {
        var ns = await fx.NamespaceAsync("rbac-create");
        await fx.GrantAsync(ns, "reader", [Rule(["get"], [""], ["configmaps"])], User("creator"));

        var created = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("creator", HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x" } }));

        ApiAssert.Failure(created, 403, "Forbidden");
        Assert.Equal($"configmaps is forbidden: User \"creator\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", created.Message);
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/x"));
    }

    [Fact]
    public async Task ClusterScope_ForbiddenMessageSaysClusterScope()
    {
        var nodes = await fx.AsAsync("nobody", Get, "/api/v1/nodes");

        ApiAssert.Failure(nodes, 403, "Forbidden");
        Assert.Equal("nodes is forbidden: User \"nobody\" cannot list resource \"nodes\" in API group \"\" at the cluster scope", nodes.Message);
        Assert.Equal("nodes", ApiResponse.Str(nodes.Body?["details"]?["kind"]));
    }

    [Fact]
    public async Task Subresource_NeedsItsOwnRule()
    {
        var ns = await fx.NamespaceAsync("rbac-sub");
        await fx.GrantAsync(ns, "pods", [Rule(["get"], [""], ["pods"])], User("sub-user"));

        var log = await fx.AsAsync("sub-user", Get, $"/api/v1/namespaces/{ns}/pods/p/log");

        ApiAssert.Failure(log, 403, "Forbidden");
        Assert.Equal($"pods \"p\" is forbidden: User \"sub-user\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"{ns}\"", log.Message);

        await fx.GrantAsync(ns, "logs", [Rule(["get"], [""], ["pods/log"])], User("sub-user"));
        // Authorized now: the pod does not exist, which only an authorized caller may learn.
        ApiAssert.Failure(await fx.AsAsync("sub-user", Get, $"/api/v1/namespaces/{ns}/pods/p/log"), 404, "NotFound");
    }

    [Fact]
    public async Task DeploymentScale_GrantedWithoutTheDeployment()
    {
        var ns = await fx.NamespaceAsync("rbac-scale");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", Deployment("d")));
        await fx.GrantAsync(ns, "scaler", [Rule(["get", "patch"], ["apps"], ["deployments/scale"])], User("scaler"));

        var scale = await fx.AsAsync("scaler", Get, $"/apis/apps/v1/namespaces/{ns}/deployments/d/scale");
        var deployment = await fx.AsAsync("scaler", Get, $"/apis/apps/v1/namespaces/{ns}/deployments/d");
        var patched = await fx.PatchAsAsync("scaler", $"/apis/apps/v1/namespaces/{ns}/deployments/d/scale", """{"spec":{"replicas":3}}""", ApiClient.MergePatch);
        var replicaSets = await fx.AsAsync("scaler", Get, $"/apis/apps/v1/namespaces/{ns}/replicasets");

        ApiAssert.Code(200, scale);
        Assert.Equal(1, (int?)scale.Body?["spec"]?["replicas"]);
        ApiAssert.Failure(deployment, 403, "Forbidden");
        Assert.Equal($"deployments.apps \"d\" is forbidden: User \"scaler\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"{ns}\"", deployment.Message);
        ApiAssert.Code(200, patched);
        Assert.Equal(3, (int?)(await fx.Client.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/d")).Body?["spec"]?["replicas"]);
        ApiAssert.Failure(replicaSets, 403, "Forbidden");
    }

    [Fact]
    public async Task WildcardSubresource_MatchesThatSubresourceOfAnyResource_ResourceStarDoesNot()
    {
        var ns = await fx.NamespaceAsync("rbac-starsub");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", Deployment("d")));
        await fx.GrantAsync(ns, "any-scale", [Rule(["get"], ["apps"], ["*/scale"])], User("star-scale"));
        await fx.GrantAsync(ns, "pods-star", [Rule(["get"], [""], ["pods/*"])], User("pods-star"));

        ApiAssert.Code(200, await fx.AsAsync("star-scale", Get, $"/apis/apps/v1/namespaces/{ns}/deployments/d/scale"));
        ApiAssert.Failure(await fx.AsAsync("star-scale", Get, $"/apis/apps/v1/namespaces/{ns}/deployments/d/status"), 403, "Forbidden");
        // As upstream: "pods/*" is not a pattern, so it grants neither pods/log nor pods.
        ApiAssert.Failure(await fx.AsAsync("pods-star", Get, $"/api/v1/namespaces/{ns}/pods/p/log"), 403, "Forbidden");
        ApiAssert.Failure(await fx.AsAsync("pods-star", Get, $"/api/v1/namespaces/{ns}/pods/p"), 403, "Forbidden");
    }

    [Fact]
    public async Task ResourceNames_OnlyThoseNames_NeverListOrCreate()
    {
        var ns = await fx.NamespaceAsync("rbac-names");
        await fx.ConfigMapAsync(ns, "mine");
        await fx.ConfigMapAsync(ns, "theirs");
        await fx.GrantAsync(ns, "one", [Rule(["get", "list", "create", "delete"], [""], ["configmaps"], ["mine"])], User("namer"));

        ApiAssert.Code(200, await fx.AsAsync("namer", Get, $"/api/v1/namespaces/{ns}/configmaps/mine"));
        var theirs = await fx.AsAsync("namer", Get, $"/api/v1/namespaces/{ns}/configmaps/theirs");
        var list = await fx.AsAsync("namer", Get, $"/api/v1/namespaces/{ns}/configmaps");
        var create = await ApiAssert.NoWriteAsync(fx, () => fx.AsAsync("namer", HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "mine2" } }));

        ApiAssert.Failure(theirs, 403, "Forbidden", "cannot get resource \"configmaps\"");
        ApiAssert.Failure(list, 403, "Forbidden", "cannot list resource \"configmaps\"");
        ApiAssert.Failure(create, 403, "Forbidden", "cannot create resource \"configmaps\"");
        // A list narrowed to the one name by a field selector carries the name, as upstream.
        ApiAssert.Code(200, await fx.AsAsync("namer", Get, $"/api/v1/namespaces/{ns}/configmaps?fieldSelector=metadata.name%3Dmine"));
    }

    [Fact]
    public async Task ClusterRoleThroughRoleBinding_OnlyInThatNamespace()
    {
        var ns = await fx.NamespaceAsync("rbac-crrb");
        var other = await fx.NamespaceAsync("rbac-crrb-other");
        await fx.ClusterRoleAsync("crrb-reader", Rule(["list"], [""], ["configmaps"]));
        ApiAssert.Code(201, await fx.Client.PostAsync($"{RbacFixture.Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", "read", "ClusterRole", "crrb-reader", User("crrb-user"))));

        ApiAssert.Code(200, await fx.AsAsync("crrb-user", Get, $"/api/v1/namespaces/{ns}/configmaps"));
        ApiAssert.Failure(await fx.AsAsync("crrb-user", Get, $"/api/v1/namespaces/{other}/configmaps"), 403, "Forbidden", $"in the namespace \"{other}\"");
        var everywhere = await fx.AsAsync("crrb-user", Get, "/api/v1/configmaps");
        Assert.Equal("configmaps is forbidden: User \"crrb-user\" cannot list resource \"configmaps\" in API group \"\" at the cluster scope", everywhere.Message);
    }

    [Fact]
    public async Task GroupSubject_AppliesToMembersOnly()
    {
        var ns = await fx.NamespaceAsync("rbac-group");
        await fx.GrantAsync(ns, "devs", [Rule(["list"], [""], ["configmaps"])], Subject("Group", "devs"));

        ApiAssert.Code(200, await fx.AsAsync("dana", ["devs"], Get, $"/api/v1/namespaces/{ns}/configmaps"));
        ApiAssert.Failure(await fx.AsAsync("dana", ["ops"], Get, $"/api/v1/namespaces/{ns}/configmaps"), 403, "Forbidden");
    }

    [Fact]
    public async Task ServiceAccountSubject_RealTokenAllowed_NamespaceDefaultsToBinding()
    {
        var ns = await fx.NamespaceAsync("rbac-sa");
        var other = await fx.NamespaceAsync("rbac-sa-other");
        await ServiceAccountTestSupport.CreateAccountAsync(fx, ns, "builder");
        await ServiceAccountTestSupport.CreateAccountAsync(fx, ns, "watcher");
        // No namespace on the subject: the binding's own.
        await fx.GrantAsync(ns, "builder", [Rule(["list"], [""], ["configmaps"])], Subject("ServiceAccount", "builder"));
        await fx.GrantAsync(ns, "all-accounts", [Rule(["list"], [""], ["secrets"])], Subject("Group", $"system:serviceaccounts:{ns}"));
        using var builder = new ApiClient(fx.Host.Url, fx.Host.Pki.ServerCaPem, await ServiceAccountTestSupport.TokenAsync(fx, ns, "builder"));
        using var watcher = new ApiClient(fx.Host.Url, fx.Host.Pki.ServerCaPem, await ServiceAccountTestSupport.TokenAsync(fx, ns, "watcher"));

        ApiAssert.Code(200, await builder.GetAsync($"/api/v1/namespaces/{ns}/configmaps"));
        var elsewhere = await builder.GetAsync($"/api/v1/namespaces/{other}/configmaps");
        Assert.Equal($"configmaps is forbidden: User \"system:serviceaccount:{ns}:builder\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"{other}\"", elsewhere.Message);
        ApiAssert.Failure(await watcher.GetAsync($"/api/v1/namespaces/{ns}/configmaps"), 403, "Forbidden");
        ApiAssert.Code(200, await watcher.GetAsync($"/api/v1/namespaces/{ns}/secrets"));
    }

    [Fact]
    public async Task ClientCertificateUser_BoundByName()
    {
        var ns = await fx.NamespaceAsync("rbac-cert");
        await fx.GrantAsync(ns, "carol", [Rule(["list"], [""], ["configmaps"])], User("carol"));
        using var certificate = Timonel.ApiServer.Security.CertificateIssuer.IssueClient(fx.Host.Pki.ClientCa, "carol", ["team"], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, _) => server is System.Security.Cryptography.X509Certificates.X509Certificate2 leaf && Security.TestCertificates.ChainsTo(leaf, fx.Host.Pki.ServerCa);
        handler.SslOptions.ClientCertificates = [certificate];
        using var client = new HttpClient(handler) { BaseAddress = new Uri(fx.Host.Url) };

        using var allowed = await client.GetAsync(new Uri($"/api/v1/namespaces/{ns}/configmaps", UriKind.Relative));
        using var refused = await client.GetAsync(new Uri($"/api/v1/namespaces/{ns}/secrets", UriKind.Relative));

        Assert.Equal(200, (int)allowed.StatusCode);
        Assert.Equal(403, (int)refused.StatusCode);
        Assert.Contains("User \\\"carol\\\" cannot list resource \\\"secrets\\\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonResourceUrls_ExactAndTrailingStarPrefix()
    {
        // Paths no default role grants (upstream's bootstrap policy gives /version, /healthz and discovery to everyone).
        Assert.Equal(403, (await fx.AsAsync("url-user", Get, "/metrics")).Code);
        await fx.ClusterRoleAsync("urls", UrlRule(["get"], ["/metrics", "/logs/*"]));
        await fx.ClusterBindAsync("urls", "urls", User("url-user"));

        ApiAssert.Code(200, await fx.AsAsync("url-user", Get, "/metrics"));
        // Authorized by the prefix; the server has nothing there.
        ApiAssert.Failure(await fx.AsAsync("url-user", Get, "/logs/kube-apiserver.log"), 404, "NotFound");
        var logs = await fx.AsAsync("url-user", Get, "/logs");
        ApiAssert.Failure(logs, 403, "Forbidden");
        Assert.Equal("forbidden: User \"url-user\" cannot get path \"/logs\"", logs.Message);
        ApiAssert.Failure(await fx.AsAsync("url-user", HttpMethod.Post, "/metrics", new JsonObject()), 403, "Forbidden", "cannot post path \"/metrics\"");
        // A non-resource rule grants no resource.
        ApiAssert.Failure(await fx.AsAsync("url-user", Get, "/apis/apps/v1/deployments"), 403, "Forbidden");
    }

    [Fact]
    public async Task WildcardRule_ThroughClusterRoleBinding_AllowsEverything()
    {
        var ns = await fx.NamespaceAsync("rbac-star");
        await fx.ClusterRoleAsync("star", Rule(["*"], ["*"], ["*"]), UrlRule(["*"], ["*"]));
        await fx.ClusterBindAsync("star", "star", User("star-user"));

        ApiAssert.Code(200, await fx.AsAsync("star-user", Get, "/api/v1/nodes"));
        ApiAssert.Code(201, await fx.AsAsync("star-user", HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "made" } }));
        ApiAssert.Code(200, await fx.AsAsync("star-user", Get, "/version"));
    }

    [Fact]
    public async Task BindingToMissingRole_ReasonNamesIt_AndRemovingBindingRevokes()
    {
        var ns = await fx.NamespaceAsync("rbac-missing");
        ApiAssert.Code(201, await fx.Client.PostAsync($"{RbacFixture.Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", "dangling", "ClusterRole", "no-such-role", User("dangler"))));

        var refused = await fx.AsAsync("dangler", Get, $"/api/v1/namespaces/{ns}/configmaps");

        Assert.Equal($"configmaps is forbidden: User \"dangler\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"{ns}\": RBAC: clusterrole.rbac.authorization.k8s.io \"no-such-role\" not found", refused.Message);

        await fx.ClusterRoleAsync("no-such-role", Rule(["list"], [""], ["configmaps"]));
        ApiAssert.Code(200, await fx.AsAsync("dangler", Get, $"/api/v1/namespaces/{ns}/configmaps"));
        ApiAssert.Code(200, await fx.Client.DeleteAsync($"{RbacFixture.Rbac}/namespaces/{ns}/rolebindings/dangling"));
        ApiAssert.Failure(await fx.AsAsync("dangler", Get, $"/api/v1/namespaces/{ns}/configmaps"), 403, "Forbidden");
    }

    [Fact]
    public async Task Masters_AllowedWithoutAnyBinding()
    {
        ApiAssert.Code(200, await fx.Client.GetAsync("/api/v1/nodes"));
        ApiAssert.Code(200, await fx.AsAsync("root-like", ["system:masters"], Get, "/api/v1/secrets"));
    }

    [Fact]
    public async Task SelfSubjectRulesReview_ListsBoundRules_AndMastersStar()
    {
        var ns = await fx.NamespaceAsync("rbac-ssrr");
        await fx.GrantAsync(ns, "r", [Rule(["get", "list"], [""], ["configmaps"], ["a"])], User("lister"));
        // Non-resource URLs only in ClusterRoles, bound cluster-wide; asking needs its own grant too.
        await fx.ClusterRoleAsync("ssrr-urls", UrlRule(["get"], ["/healthz"]), Rule(["create"], ["authorization.k8s.io"], ["selfsubjectrulesreviews"]));
        await fx.ClusterBindAsync("ssrr-urls", "ssrr-urls", User("lister"));
        var review = new JsonObject { ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SelfSubjectRulesReview", ["spec"] = new JsonObject { ["namespace"] = ns } };

        var mine = await fx.AsAsync("lister", HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", review.DeepClone());
        var admin = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", review.DeepClone());

        ApiAssert.Code(201, mine);
        var rules = mine.Body!["status"]!["resourceRules"]!.AsArray();
        Assert.Contains(rules, r => r!.ToJsonString() == """{"verbs":["get","list"],"apiGroups":[""],"resources":["configmaps"],"resourceNames":["a"]}""");
        Assert.Contains(mine.Body!["status"]!["nonResourceRules"]!.AsArray(), r => r!.ToJsonString() == """{"verbs":["get"],"nonResourceURLs":["/healthz"]}""");
        Assert.DoesNotContain(mine.Body!["status"]!["resourceRules"]!.AsArray(), r => r!.ToJsonString().Contains("secrets", StringComparison.Ordinal));
        Assert.False((bool)mine.Body!["status"]!["incomplete"]!);
        ApiAssert.Code(201, admin);
        Assert.Contains(admin.Body!["status"]!["resourceRules"]!.AsArray(), r => r!.ToJsonString() == """{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}""");
        Assert.Contains(admin.Body!["status"]!["nonResourceRules"]!.AsArray(), r => r!.ToJsonString() == """{"verbs":["*"],"nonResourceURLs":["*"]}""");
    }

    private static JsonObject Deployment(string name) => JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"NAME"}},
                 "template":{"metadata":{"labels":{"app":"NAME"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}
        """.Replace("NAME", name, StringComparison.Ordinal))!.AsObject();
}
