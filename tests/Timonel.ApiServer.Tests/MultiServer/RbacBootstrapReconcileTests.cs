using System.Text.Json.Nodes;
using Timonel.ApiServer.Registry.Rbac;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>Every server start reconciles the RBAC bootstrap policy into what is stored, additively, and servers starting together agree.</summary>
public sealed class RbacBootstrapReconcileTests
{
    private const string Rbac = "/apis/rbac.authorization.k8s.io/v1";
    private const string AutoUpdate = "rbac.authorization.kubernetes.io/autoupdate";

    private static async Task<JsonObject> GetAsync(ApiClient client, string path)
    {
        var response = await client.GetAsync(Rbac + path);
        Assert.True(response.Code == 200, response.ToString());
        return response.Object;
    }

    private static async Task PutAsync(ApiClient client, string path, JsonObject obj)
    {
        var response = await client.PutAsync(Rbac + path, obj);
        Assert.True(response.Code == 200, response.ToString());
    }

    private static JsonObject UrlRule(params string[] urls) => new()
    {
        ["verbs"] = new JsonArray("get"),
        ["nonResourceURLs"] = new JsonArray([.. urls.Select(u => (JsonNode?)JsonValue.Create(u))]),
    };

    [Fact]
    public async Task Restart_ChangedPolicyObjects_MissingPartsAddedUserPartsKeptOptOutLeftAlone()
    {
        await using var group = await ServerGroup.StartAsync(1);
        var client = group.Client(0);

        // A role cut down to one URL, with a rule and a label of the user's.
        var discovery = await GetAsync(client, "/clusterroles/system:discovery");
        discovery["rules"] = new JsonArray(UrlRule("/version"), UrlRule("/custom/*"));
        discovery["metadata"]!["labels"]!["team"] = "platform";
        await PutAsync(client, "/clusterroles/system:discovery", discovery);
        // A role cut down the same way but opted out of reconciliation.
        var basic = await GetAsync(client, "/clusterroles/system:basic-user");
        basic["rules"] = new JsonArray(UrlRule("/version"));
        basic["metadata"]!["annotations"]![AutoUpdate] = "false";
        await PutAsync(client, "/clusterroles/system:basic-user", basic);
        // A binding whose subjects were replaced.
        var binding = await GetAsync(client, "/clusterrolebindings/system:discovery");
        binding["subjects"] = new JsonArray(new JsonObject { ["kind"] = "User", ["apiGroup"] = "rbac.authorization.k8s.io", ["name"] = "alice" });
        await PutAsync(client, "/clusterrolebindings/system:discovery", binding);
        // A role removed.
        Assert.Equal(200, (await client.DeleteAsync(Rbac + "/clusterroles/system:heapster")).Code);
        Assert.Equal(404, (await client.GetAsync(Rbac + "/clusterroles/system:heapster")).Code);

        await group.StopAsync(0);
        var restarted = group.Client(await group.AddAsync(group.Token));

        var urls = (await GetAsync(restarted, "/clusterroles/system:discovery"))["rules"]!.AsArray()
            .SelectMany(r => r!["nonResourceURLs"]!.AsArray().Select(u => (string)u!)).ToList();
        Assert.Equal(["/version", "/custom/*", "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version/"], urls);
        Assert.Equal("platform", (string?)(await GetAsync(restarted, "/clusterroles/system:discovery"))["metadata"]!["labels"]!["team"]);

        var optedOut = await GetAsync(restarted, "/clusterroles/system:basic-user");
        Assert.True(JsonNode.DeepEquals(new JsonArray(UrlRule("/version")), optedOut["rules"]), optedOut.ToJsonString());

        var subjects = (await GetAsync(restarted, "/clusterrolebindings/system:discovery"))["subjects"]!.AsArray();
        Assert.Equal(["alice", "system:authenticated"], subjects.Select(s => (string?)s!["name"]));

        Assert.NotNull((await GetAsync(restarted, "/clusterroles/system:heapster"))["rules"]);
    }

    [Fact]
    public async Task StartAsync_ThreeServersTogether_OnePolicyNoDuplicatedRules()
    {
        await using var group = await ServerGroup.StartAsync(3);
        var client = group.Client(2);

        var list = await client.GetAsync(Rbac + "/clusterroles?labelSelector=kubernetes.io%2Fbootstrapping%3Drbac-defaults");
        var items = list.Object["items"]!.AsArray();

        Assert.Equal(BootstrapPolicy.ClusterRoles().Count(), items.Count);
        var bindings = await client.GetAsync(Rbac + "/clusterrolebindings?labelSelector=kubernetes.io%2Fbootstrapping%3Drbac-defaults");
        Assert.Equal(BootstrapPolicy.ClusterRoleBindings().Count(), bindings.Object["items"]!.AsArray().Count);
        // Each stored role has exactly the policy's rules: no server added a rule twice.
        var expected = BootstrapPolicy.ClusterRoles().ToDictionary(r => (string)r["metadata"]!["name"]!);
        Assert.All(items, item => Assert.True(
            JsonNode.DeepEquals(expected[(string)item!["metadata"]!["name"]!]["rules"], item["rules"]) || item["aggregationRule"] is not null,
            item!.ToJsonString()));
    }
}
