using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// NodeRestriction admission through HTTPS with nodes' client certificates: a node writes its
/// own Node (not its taints, ownerReferences or protected labels) and the status of its own
/// pods, evicts only its own pods; every refusal is upstream's 403 and writes nothing.
/// </summary>
public sealed class NodeRestrictionTests(NodeAuthorizationFixture fx) : IClassFixture<NodeAuthorizationFixture>
{
    private int _nodes;

    private (string A, string B) NodeNames(string prefix)
    {
        var n = Interlocked.Increment(ref _nodes);
        return ($"{prefix}-a{n}", $"{prefix}-b{n}");
    }

    private async Task CreateNodesAsync(params string[] names)
    {
        foreach (var name in names)
        {
            var node = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name } },
                ["spec"] = new JsonObject { ["taints"] = new JsonArray(new JsonObject { ["key"] = "dedicated", ["value"] = "x", ["effect"] = "NoSchedule" }) },
            };
            ApiAssert.Code(201, await fx.Client.PostAsync("/api/v1/nodes", node));
        }
    }

    private Task<ApiResponse> MergeAsync(ApiClient client, string path, string patch) => client.PatchAsync(path, patch, ApiClient.MergePatch);

    /// <summary>Runs a refused request and proves nothing changed: the store's revision and the object as the admin reads it.</summary>
    private async Task<ApiResponse> RefusedAsync(string objectPath, Func<Task<ApiResponse>> request)
    {
        var before = (await fx.Client.GetAsync(objectPath)).Text;
        var response = await ApiAssert.NoWriteAsync(fx, request);
        Assert.Equal(before, (await fx.Client.GetAsync(objectPath)).Text);
        return response;
    }

    [Fact]
    public async Task UpdateNode_OwnAllowed_OthersRefused()
    {
        var (a, b) = NodeNames("upd");
        await CreateNodesAsync(a, b);
        var node = fx.NodeClient(a);

        var own = await MergeAsync(node, $"/api/v1/nodes/{a}", """{"metadata": {"labels": {"example.com/role": "edge"}}}""");
        ApiAssert.Code(200, own);
        Assert.Equal("edge", (string?)own.Object["metadata"]!["labels"]!["example.com/role"]);
        var status = await MergeAsync(node, $"/api/v1/nodes/{a}/status", """{"status": {"conditions": [{"type": "Ready", "status": "True"}]}}""");
        ApiAssert.Code(200, status);

        var other = await RefusedAsync($"/api/v1/nodes/{b}", () => MergeAsync(node, $"/api/v1/nodes/{b}", """{"metadata": {"labels": {"example.com/role": "edge"}}}"""));
        ApiAssert.Failure(other, 403, "Forbidden", $"nodes \"{b}\" is forbidden: node \"{a}\" is not allowed to modify node \"{b}\"");
        var otherStatus = await RefusedAsync($"/api/v1/nodes/{b}", () => MergeAsync(node, $"/api/v1/nodes/{b}/status", """{"status": {"conditions": [{"type": "Ready", "status": "False"}]}}"""));
        ApiAssert.Failure(otherStatus, 403, "Forbidden", $"node \"{a}\" is not allowed to modify node \"{b}\"");
        // Deleting a Node is not among what the node authorizer grants (upstream 1.33 with
        // AuthorizeNodeWithSelectors): refused before admission.
        var delete = await RefusedAsync($"/api/v1/nodes/{b}", () => node.DeleteAsync($"/api/v1/nodes/{b}"));
        ApiAssert.Failure(delete, 403, "Forbidden", $"User \"system:node:{a}\" cannot delete resource \"nodes\"");
    }

    [Fact]
    public async Task UpdateOwnNode_TaintsOwnerReferencesAndProtectedLabels_Refused()
    {
        var (a, _) = NodeNames("taint");
        await CreateNodesAsync(a);
        var node = fx.NodeClient(a);
        var path = $"/api/v1/nodes/{a}";

        ApiAssert.Failure(await RefusedAsync(path, () => MergeAsync(node, path, """{"spec": {"taints": null}}""")),
            403, "Forbidden", $"nodes \"{a}\" is forbidden: node \"{a}\" is not allowed to modify taints");
        ApiAssert.Failure(await RefusedAsync(path, () => MergeAsync(node, path, """{"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "x", "uid": "1"}]}}""")),
            403, "Forbidden", $"node \"{a}\" is not allowed to modify ownerReferences");
        ApiAssert.Failure(await RefusedAsync(path, () => MergeAsync(node, path, """{"metadata": {"labels": {"node-restriction.kubernetes.io/pool": "gold"}}}""")),
            403, "Forbidden", "is not allowed to modify labels: node-restriction.kubernetes.io/pool");
        ApiAssert.Failure(await RefusedAsync(path, () => MergeAsync(node, path, """{"metadata": {"labels": {"kubernetes.io/role": "master", "k8s.io/x": "y"}}}""")),
            403, "Forbidden", "is not allowed to modify labels: k8s.io/x, kubernetes.io/role");
        // Removing a label the kubelet does not own is a modification too.
        ApiAssert.Code(200, await MergeAsync(fx.Client, path, """{"metadata": {"labels": {"node-role.kubernetes.io/control-plane": ""}}}"""));
        ApiAssert.Failure(await RefusedAsync(path, () => MergeAsync(node, path, """{"metadata": {"labels": {"node-role.kubernetes.io/control-plane": null}}}""")),
            403, "Forbidden", "is not allowed to modify labels: node-role.kubernetes.io/control-plane");

        // The kubelet's own labels and namespaces are allowed.
        ApiAssert.Code(200, await MergeAsync(node, path, """{"metadata": {"labels": {"node.kubernetes.io/instance-type": "m", "kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "z"}}}"""));
    }

    [Fact]
    public async Task PodStatus_OwnPodAllowed_OtherNodesPodRefused()
    {
        var ns = await fx.NamespaceAsync("node-status");
        var (a, b) = NodeNames("status");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-a", a)));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-b", b)));
        var node = fx.NodeClient(a);

        var own = await MergeAsync(node, $"/api/v1/namespaces/{ns}/pods/pod-a/status", """{"status": {"phase": "Running"}}""");
        ApiAssert.Code(200, own);
        Assert.Equal("Running", (string?)own.Object["status"]!["phase"]);

        var podB = $"/api/v1/namespaces/{ns}/pods/pod-b";
        ApiAssert.Failure(await RefusedAsync(podB, () => MergeAsync(node, $"{podB}/status", """{"status": {"phase": "Running"}}""")),
            403, "Forbidden", $"pods \"pod-b\" is forbidden: node \"{a}\" can only update pod status for pods with spec.nodeName set to itself");
        ApiAssert.Failure(await RefusedAsync($"/api/v1/namespaces/{ns}/pods/pod-a", () => MergeAsync(node, $"/api/v1/namespaces/{ns}/pods/pod-a/status", """{"metadata": {"labels": {"x": "y"}}}""")),
            403, "Forbidden", $"node \"{a}\" cannot update labels through pod status");
        // The pod itself (not its status) a node may only create and delete: the node authorizer refuses a patch.
        ApiAssert.Failure(await RefusedAsync($"/api/v1/namespaces/{ns}/pods/pod-a", () => MergeAsync(node, $"/api/v1/namespaces/{ns}/pods/pod-a", """{"metadata": {"labels": {"x": "y"}}}""")),
            403, "Forbidden", $"User \"system:node:{a}\" cannot patch resource \"pods\"");
    }

    [Fact]
    public async Task Evict_PodOnOtherNode_Refused_OwnPodEvicted()
    {
        var ns = await fx.NamespaceAsync("node-evict");
        var (a, b) = NodeNames("evict");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-a", a)));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-b", b)));
        var node = fx.NodeClient(a);
        JsonObject Eviction(string pod) => new()
        {
            ["apiVersion"] = "policy/v1",
            ["kind"] = "Eviction",
            ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = ns },
            ["deleteOptions"] = new JsonObject { ["gracePeriodSeconds"] = 0 },
        };

        var podB = $"/api/v1/namespaces/{ns}/pods/pod-b";
        ApiAssert.Failure(await RefusedAsync(podB, () => node.PostAsync($"{podB}/eviction", Eviction("pod-b"))),
            403, "Forbidden", $"pods \"pod-b\" is forbidden: node {a} can only evict pods with spec.nodeName set to itself");

        ApiAssert.Code(201, await node.PostAsync($"/api/v1/namespaces/{ns}/pods/pod-a/eviction", Eviction("pod-a")));
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/pod-a"));
    }

    [Fact]
    public async Task CreatePod_NotAMirrorPod_Refused()
    {
        var ns = await fx.NamespaceAsync("node-mirror");
        var (a, _) = NodeNames("mirror");
        var node = fx.NodeClient(a);

        var refused = await ApiAssert.NoWriteAsync(fx, () => node.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("plain", a)));

        ApiAssert.Failure(refused, 403, "Forbidden", $"pods \"plain\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"{a}\" can only create mirror pods");
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/plain"));
    }

    [Fact]
    public async Task CreatePod_MirrorPodOwnedByOwnNode_Allowed()
    {
        var ns = await fx.NamespaceAsync("node-mirror-ok");
        var (a, _) = NodeNames("mirrorok");
        await CreateNodesAsync(a);
        var uid = (string?)(await fx.Client.GetAsync($"/api/v1/nodes/{a}")).Object["metadata"]!["uid"];
        var node = fx.NodeClient(a);
        var pod = NodeAuthorizerTests.BoundPod("static-web", a);
        pod["metadata"]!["annotations"] = new JsonObject { ["kubernetes.io/config.mirror"] = "hash" };
        pod["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = a, ["uid"] = uid, ["controller"] = true });

        ApiAssert.Code(201, await node.PostAsync($"/api/v1/namespaces/{ns}/pods", pod));

        // Bound to another node: refused.
        var elsewhere = (JsonObject)pod.DeepClone();
        elsewhere["metadata"]!["name"] = "static-elsewhere";
        elsewhere["spec"]!["nodeName"] = "other";
        ApiAssert.Failure(await ApiAssert.NoWriteAsync(fx, () => node.PostAsync($"/api/v1/namespaces/{ns}/pods", elsewhere)),
            403, "Forbidden", $"node \"{a}\" can only create pods with spec.nodeName set to itself");
    }

    [Fact]
    public async Task DeletePod_OtherNodesPodRefused_OwnDeleted()
    {
        var ns = await fx.NamespaceAsync("node-delete");
        var (a, b) = NodeNames("del");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-a", a)));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-b", b)));
        var node = fx.NodeClient(a);
        var immediately = new JsonObject { ["gracePeriodSeconds"] = 0 };

        var podB = $"/api/v1/namespaces/{ns}/pods/pod-b";
        ApiAssert.Failure(await RefusedAsync(podB, () => node.DeleteAsync(podB, immediately)),
            403, "Forbidden", $"pods \"pod-b\" is forbidden: node \"{a}\" can only delete pods with spec.nodeName set to itself");

        ApiAssert.Code(200, await node.DeleteAsync($"/api/v1/namespaces/{ns}/pods/pod-a", immediately));
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/pod-a"));
    }

    [Fact]
    public async Task CreateToken_BoundToOwnPodOnly()
    {
        var ns = await fx.NamespaceAsync("node-token");
        var (a, b) = NodeNames("token");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "runner" } }));
        var spec = new JsonObject { ["serviceAccountName"] = "runner" };
        var podB = (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-b", b, spec))).Object;
        var podA = (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", NodeAuthorizerTests.BoundPod("pod-a", a, spec))).Object;
        var node = fx.NodeClient(a);
        var tokenPath = $"/api/v1/namespaces/{ns}/serviceaccounts/runner/token";
        JsonObject Request(JsonObject? pod) => new()
        {
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["kind"] = "TokenRequest",
            ["spec"] = pod is null
                ? new JsonObject { ["audiences"] = new JsonArray("api") }
                : new JsonObject
                {
                    ["audiences"] = new JsonArray("api"),
                    ["boundObjectRef"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = (string?)pod["metadata"]!["name"], ["uid"] = (string?)pod["metadata"]!["uid"] },
                },
        };

        // Once the graph links the service account to the node through pod-a, the token may be asked for.
        var issued = await NodeAuthorizerTests.EventuallyAsync(() => node.PostAsync(tokenPath, Request(podA)), 201);
        Assert.False(string.IsNullOrEmpty((string?)issued.Object["status"]?["token"]));

        ApiAssert.Failure(await node.PostAsync(tokenPath, Request(podB)), 403, "Forbidden",
            "serviceaccounts \"runner\" is forbidden: node requested token bound to a pod scheduled on a different node");
        ApiAssert.Failure(await node.PostAsync(tokenPath, Request(null)), 403, "Forbidden", "node requested token not bound to a pod");
        // A malformed request is the client's mistake before it is the node's overreach, as upstream orders the checks.
        ApiAssert.Failure(await node.SendAsync(HttpMethod.Post, tokenPath, """{"spec": 5}""", ApiClient.Json), 400, "BadRequest");
    }


    [Fact]
    public async Task CreateNode_ProtectedLabels_RefusedAndOwnNameOnly()
    {
        var (a, b) = NodeNames("register");
        var node = fx.NodeClient(a);
        JsonObject Node(string name, string label) => new()
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { [label] = "v" } },
        };

        ApiAssert.Failure(await ApiAssert.NoWriteAsync(fx, () => node.PostAsync("/api/v1/nodes", Node(a, "node-restriction.kubernetes.io/pool"))),
            403, "Forbidden", $"nodes \"{a}\" is forbidden: node \"{a}\" is not allowed to set the following labels: node-restriction.kubernetes.io/pool");
        ApiAssert.Failure(await ApiAssert.NoWriteAsync(fx, () => node.PostAsync("/api/v1/nodes", Node(b, "kubernetes.io/hostname"))),
            403, "Forbidden", $"node \"{a}\" is not allowed to modify node \"{b}\"");
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/nodes/{b}"));

        ApiAssert.Code(201, await node.PostAsync("/api/v1/nodes", Node(a, "kubernetes.io/hostname")));
    }

    [Fact]
    public async Task CreateLease_OnlyOwnNameInNodeLeaseNamespace()
    {
        var (a, b) = NodeNames("lease");
        var node = fx.NodeClient(a);
        JsonObject Lease(string name) => new()
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["holderIdentity"] = name },
        };
        const string leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";

        ApiAssert.Failure(await ApiAssert.NoWriteAsync(fx, () => node.PostAsync(leases, Lease(b))),
            403, "Forbidden", $"leases.coordination.k8s.io \"{b}\" is forbidden: can only access node lease with the same name as the requesting node");
        ApiAssert.Code(201, await node.PostAsync(leases, Lease(a)));
        // Another node's lease is not even readable (the node authorizer decides by name).
        ApiAssert.Failure(await node.GetAsync($"{leases}/{b}"), 403, "Forbidden", "can only access node lease with the same name as the requesting node");
    }

}
