using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// The node authorizer through HTTPS with nodes' client certificates: a node reads the secrets
/// and configmaps of pods bound to it and nothing else, its own Node and not others', and
/// lists pods only by its own spec.nodeName.
/// </summary>
public sealed class NodeAuthorizerTests(NodeAuthorizerOnlyFixture fx) : IClassFixture<NodeAuthorizerOnlyFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private int _nodes;

    /// <summary>Two distinct node names for one test (nodes are cluster-scoped and the server is shared).</summary>
    private (string A, string B) NodeNames(string prefix)
    {
        var n = Interlocked.Increment(ref _nodes);
        return ($"{prefix}-a{n}", $"{prefix}-b{n}");
    }

    /// <summary>Polls until <paramref name="request"/> answers <paramref name="code"/> (the graph follows the store's watch).</summary>
    internal static async Task<ApiResponse> EventuallyAsync(Func<Task<ApiResponse>> request, int code)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = await request();
            if (response.Code == code)
            {
                return response;
            }

            Assert.True(DateTime.UtcNow < deadline, $"expected {code} within {Patience.TotalSeconds}s, still {response}");
            await Task.Delay(50);
        }
    }

    internal static JsonObject BoundPod(string name, string node, JsonObject? extraSpec = null)
    {
        var pod = TestObjects.Pod(name);
        var spec = pod["spec"]!.AsObject();
        spec["nodeName"] = node;
        foreach (var (key, value) in extraSpec ?? [])
        {
            spec[key] = value?.DeepClone();
        }

        return pod;
    }

    private static JsonObject Secret(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["stringData"] = new JsonObject { ["k"] = "v" },
    };

    private async Task CreateAsync(string path, JsonObject obj) => ApiAssert.Code(201, await fx.Client.PostAsync(path, obj));

    [Fact]
    public async Task Get_SecretAndConfigMapOfPodOnNode_AllowedOnlyForThatNode()
    {
        var ns = await fx.NamespaceAsync("node-secrets");
        var (a, b) = NodeNames("sec");
        foreach (var name in new[] { "for-a", "for-b", "unreferenced" })
        {
            await CreateAsync($"/api/v1/namespaces/{ns}/secrets", Secret(name));
        }

        await CreateAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("cm-a"));
        // The pod on B first: once A sees its own pod (created later), the graph has B's too.
        await CreateAsync($"/api/v1/namespaces/{ns}/pods", BoundPod("pod-b", b, JsonNode.Parse("""{"volumes": [{"name": "s", "secret": {"secretName": "for-b"}}]}""")!.AsObject()));
        await CreateAsync($"/api/v1/namespaces/{ns}/pods", BoundPod("pod-a", a, JsonNode.Parse("""
            {"containers": [{"name": "main", "image": "busybox:1.36", "env": [{"name": "S", "valueFrom": {"secretKeyRef": {"name": "for-a", "key": "k"}}}]}],
             "volumes": [{"name": "c", "configMap": {"name": "cm-a"}}]}
            """)!.AsObject()));
        var nodeA = fx.NodeClient(a);
        var nodeB = fx.NodeClient(b);

        var own = await EventuallyAsync(() => nodeA.GetAsync($"/api/v1/namespaces/{ns}/secrets/for-a"), 200);
        Assert.Equal("for-a", own.Name);
        ApiAssert.Code(200, await nodeA.GetAsync($"/api/v1/namespaces/{ns}/configmaps/cm-a"));
        await EventuallyAsync(() => nodeB.GetAsync($"/api/v1/namespaces/{ns}/secrets/for-b"), 200);

        ApiAssert.Failure(await nodeA.GetAsync($"/api/v1/namespaces/{ns}/secrets/for-b"), 403, "Forbidden",
            $"secrets \"for-b\" is forbidden: User \"system:node:{a}\" cannot get resource \"secrets\"", $"no relationship found between node '{a}' and this object");
        ApiAssert.Failure(await nodeA.GetAsync($"/api/v1/namespaces/{ns}/secrets/unreferenced"), 403, "Forbidden");
        ApiAssert.Failure(await nodeB.GetAsync($"/api/v1/namespaces/{ns}/configmaps/cm-a"), 403, "Forbidden");
        // A list of every secret is not a read of a referenced one.
        ApiAssert.Failure(await nodeA.GetAsync($"/api/v1/namespaces/{ns}/secrets"), 403, "Forbidden");
    }

    [Fact]
    public async Task Get_SecretAfterItsPodIsDeleted_IsRefused()
    {
        var ns = await fx.NamespaceAsync("node-gone");
        var (a, _) = NodeNames("gone");
        await CreateAsync($"/api/v1/namespaces/{ns}/secrets", Secret("s"));
        await CreateAsync($"/api/v1/namespaces/{ns}/pods", BoundPod("p", a, JsonNode.Parse("""{"volumes": [{"name": "s", "secret": {"secretName": "s"}}]}""")!.AsObject()));
        var node = fx.NodeClient(a);
        await EventuallyAsync(() => node.GetAsync($"/api/v1/namespaces/{ns}/secrets/s"), 200);

        ApiAssert.Code(200, await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/pods/p", new JsonObject { ["gracePeriodSeconds"] = 0 }));

        var refused = await EventuallyAsync(() => node.GetAsync($"/api/v1/namespaces/{ns}/secrets/s"), 403);
        ApiAssert.Failure(refused, 403, "Forbidden", "secrets \"s\" is forbidden");
    }

    [Fact]
    public async Task GetNode_OwnAllowed_OtherRefused()
    {
        var (a, b) = NodeNames("read");
        foreach (var name in new[] { a, b })
        {
            await CreateAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        }

        var node = fx.NodeClient(a);

        Assert.Equal(a, (await node.GetAsync($"/api/v1/nodes/{a}")).Name);
        ApiAssert.Failure(await node.GetAsync($"/api/v1/nodes/{b}"), 403, "Forbidden", $"node '{a}' cannot read '{b}', only its own Node object");
        ApiAssert.Failure(await node.GetAsync("/api/v1/nodes"), 403, "Forbidden", $"node '{a}' cannot read all nodes, only its own Node object");
    }

    [Fact]
    public async Task ListPods_OnlyWithOwnNodeNameSelector()
    {
        var (a, b) = NodeNames("list");
        var node = fx.NodeClient(a);

        var own = await node.GetAsync($"/api/v1/pods?fieldSelector=spec.nodeName%3D{a}");
        ApiAssert.Code(200, own);

        ApiAssert.Failure(await node.GetAsync($"/api/v1/pods?fieldSelector=spec.nodeName%3D{b}"), 403, "Forbidden", "can only list/watch pods with spec.nodeName field selector");
        ApiAssert.Failure(await node.GetAsync("/api/v1/pods"), 403, "Forbidden");
    }

    [Fact]
    public async Task Get_OtherUsers_NodeAuthorizerHasNoSay()
    {
        var ns = await fx.NamespaceAsync("node-other");
        await CreateAsync($"/api/v1/namespaces/{ns}/secrets", Secret("s"));

        // The admin is allowed by the next authorizer, not narrowed by the node authorizer.
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/s"));
    }

    [Fact]
    public async Task RulesReview_Node_IncompleteWithRbacRulesListed()
    {
        var (a, _) = NodeNames("rules");
        var review = new JsonObject
        {
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["kind"] = "SelfSubjectRulesReview",
            ["spec"] = new JsonObject { ["namespace"] = "default" },
        };

        var response = await fx.NodeClient(a).PostAsync("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", review);

        ApiAssert.Code(201, response);
        var status = response.Body!["status"]!;
        // What the graph allows cannot be listed, as upstream's node authorizer says; RBAC's
        // grants to every authenticated user (system:basic-user) are still listed.
        Assert.True((bool)status["incomplete"]!);
        Assert.Contains("node authorizer does not support user rule resolution", ApiResponse.Str(status["evaluationError"]), StringComparison.Ordinal);
        Assert.Contains(status["resourceRules"]!.AsArray(), r => r!["resources"]!.AsArray().Any(x => (string?)x == "selfsubjectrulesreviews"));
    }
}
