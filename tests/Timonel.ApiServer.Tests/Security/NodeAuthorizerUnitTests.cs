using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Security.Node;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

/// <summary>The node authorizer's decisions for what the HTTP tests do not reach: who counts as a node, and each rule family.</summary>
public sealed class NodeAuthorizerUnitTests
{
    private static readonly UserInfo NodeA = UserInfo.Authenticated("system:node:a", ["system:nodes"]);

    private readonly NodeGraph _graph = new();
    private readonly NodeAuthorizer _authorizer;

    public NodeAuthorizerUnitTests()
    {
        _authorizer = new NodeAuthorizer(_graph, NullLogger<NodeAuthorizer>.Instance);
        var pod = JsonNode.Parse("""
            {"metadata": {"namespace": "ns", "name": "p"}, "spec": {"nodeName": "a", "serviceAccountName": "sa",
             "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}}
            """)!.AsObject();
        var (owner, edges) = GraphEdges.OfPod(pod);
        _graph.SetEdges(owner, edges);
    }

    private AuthorizationVerdict Decide(UserInfo user, string verb, string group, string resource, string subresource = "", string ns = "", string name = "", string fieldSelector = "") =>
        _authorizer.AuthorizeAsync(new RequestAttributes(user, verb, true, "/", group, "v1", resource, subresource, ns, name) { FieldSelector = fieldSelector }, CancellationToken.None).Result.Verdict;

    [Theory]
    [InlineData("system:node:a", "system:authenticated")] // not in system:nodes
    [InlineData("alice", "system:nodes")] // not a node's user name
    public void Authorize_NotANode_NoOpinion(string name, string group)
    {
        var user = UserInfo.Authenticated(name, [group]);

        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(user, "get", "", "secrets", ns: "ns", name: "s"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(user, "create", "", "events", ns: "ns"));
    }

    [Fact]
    public void Authorize_NodeWithoutName_NoOpinionEvenForStaticRules()
    {
        var user = UserInfo.Authenticated("system:node:", ["system:nodes"]);

        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(user, "create", "", "events", ns: "ns"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "create", "", "events", ns: "ns"));
    }

    [Fact]
    public void Authorize_NeverDenies()
    {
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "delete", "", "secrets", ns: "ns", name: "s"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "get", "apps", "deployments", ns: "ns", name: "d"));
    }

    [Fact]
    public void Authorize_StaticRules_CsrsAndServicesAllowed()
    {
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "create", "certificates.k8s.io", "certificatesigningrequests"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "watch", "", "services"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "delete", "certificates.k8s.io", "certificatesigningrequests", name: "c"));
    }

    [Fact]
    public void Authorize_ClaimAndToken_OnlyThroughTheNodesPod()
    {
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "get", "", "persistentvolumeclaims", ns: "ns", name: "data"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "list", "", "persistentvolumeclaims", ns: "ns"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "patch", "", "persistentvolumeclaims", "status", "ns", "data"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "get", "", "persistentvolumeclaims", ns: "ns", name: "other"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "create", "", "serviceaccounts", "token", "ns", "sa"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "get", "", "serviceaccounts", ns: "ns", name: "sa"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "create", "", "serviceaccounts", "token", "ns", "other"));
    }

    [Fact]
    public void Authorize_Pods_SingleRelatedOrOwnNodeSelector()
    {
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "get", "", "pods", ns: "ns", name: "p"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "get", "", "pods", ns: "ns", name: "q"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "watch", "", "pods", fieldSelector: "spec.nodeName=a"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "list", "", "pods", fieldSelector: "status.phase!=Succeeded,spec.nodeName==a"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "list", "", "pods", fieldSelector: "spec.nodeName!=a"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "list", "", "pods", fieldSelector: "spec.nodeName=b"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "create", "", "pods", "eviction", "ns", "q"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "update", "", "pods", ns: "ns", name: "p"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "create", "", "pods", "binding", "ns", "p"));
    }

    [Fact]
    public void Authorize_LeasesAndCsiNodes_OwnNameOnly()
    {
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "update", "coordination.k8s.io", "leases", ns: "kube-node-lease", name: "a"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "update", "coordination.k8s.io", "leases", ns: "kube-node-lease", name: "b"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "get", "coordination.k8s.io", "leases", ns: "default", name: "a"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "list", "coordination.k8s.io", "leases", ns: "kube-node-lease"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "create", "storage.k8s.io", "csinodes"));
        Assert.Equal(AuthorizationVerdict.Allow, Decide(NodeA, "get", "storage.k8s.io", "csinodes", name: "a"));
        Assert.Equal(AuthorizationVerdict.NoOpinion, Decide(NodeA, "get", "storage.k8s.io", "csinodes", name: "b"));
    }
}
