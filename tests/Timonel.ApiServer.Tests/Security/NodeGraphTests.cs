using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security.Node;
using Timonel.Registry.Resources;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

public sealed class NodeGraphTests
{
    private readonly NodeGraph _graph = new();
    private readonly NodeGraphPopulator _populator;

    public NodeGraphTests() =>
        _populator = new NodeGraphPopulator(new ObjectStore(new MemoryStore()), ResourceCatalog.CreateBuiltIn(), _graph, TimeProvider.System, NullLogger.Instance);

    private static Vertex Secret(string ns, string name) => new(VertexKind.Secret, ns, name);

    private static JsonObject Pod(string ns, string name, string? node, JsonObject spec)
    {
        if (node is not null)
        {
            spec["nodeName"] = node;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["namespace"] = ns, ["name"] = name, ["uid"] = $"uid-{name}" }, ["spec"] = spec };
    }

    private static JsonObject SecretVolume(string secret) =>
        new() { ["volumes"] = new JsonArray(new JsonObject { ["name"] = "v", ["secret"] = new JsonObject { ["secretName"] = secret } }) };

    [Fact]
    public void HasPath_SecretOfPodBoundToNode_TrueForThatNodeOnly()
    {
        _populator.ApplyPod(Pod("ns", "p", "a", SecretVolume("s")));
        _populator.ApplyPod(Pod("ns", "q", "b", SecretVolume("t")));

        Assert.True(_graph.HasPath(Secret("ns", "s"), "a"));
        Assert.False(_graph.HasPath(Secret("ns", "s"), "b"));
        Assert.True(_graph.HasPath(Secret("ns", "t"), "b"));
        Assert.False(_graph.HasPath(Secret("ns", "t"), "a"));
        Assert.False(_graph.HasPath(Secret("other", "s"), "a"));
    }

    [Fact]
    public void RemovePod_AfterAccess_EndsAccessAndDropsVertices()
    {
        _populator.ApplyPod(Pod("ns", "p", "a", SecretVolume("s")));
        Assert.True(_graph.HasPath(Secret("ns", "s"), "a"));
        Assert.Equal("a", _populator.BoundPodOf("ns", "p")?.NodeName);

        _populator.RemovePod("ns", "p");

        Assert.False(_graph.HasPath(Secret("ns", "s"), "a"));
        Assert.False(_graph.Contains(Secret("ns", "s")));
        Assert.False(_graph.Contains(Vertex.Node("a")));
        Assert.Null(_populator.BoundPodOf("ns", "p"));
    }

    [Fact]
    public void ApplyPod_SecretShared_RemovingOnePodKeepsTheOthersAccess()
    {
        _populator.ApplyPod(Pod("ns", "p1", "a", SecretVolume("s")));
        _populator.ApplyPod(Pod("ns", "p2", "a", SecretVolume("s")));

        _populator.RemovePod("ns", "p1");

        Assert.True(_graph.HasPath(Secret("ns", "s"), "a"));
    }

    [Fact]
    public void ApplyPod_UpdatedReferences_ReplaceThePodsEdges()
    {
        _populator.ApplyPod(Pod("ns", "p", "a", SecretVolume("old")));
        Assert.True(_graph.HasPath(Secret("ns", "old"), "a"));

        _populator.ApplyPod(Pod("ns", "p", "a", SecretVolume("new")));

        Assert.False(_graph.HasPath(Secret("ns", "old"), "a"));
        Assert.True(_graph.HasPath(Secret("ns", "new"), "a"));
    }

    [Fact]
    public void ApplyPod_Unbound_GrantsNothingUntilBound()
    {
        _populator.ApplyPod(Pod("ns", "p", null, SecretVolume("s")));
        Assert.False(_graph.HasPath(Secret("ns", "s"), "a"));
        Assert.Null(_populator.BoundPodOf("ns", "p"));

        _populator.ApplyPod(Pod("ns", "p", "a", SecretVolume("s")));

        Assert.True(_graph.HasPath(Secret("ns", "s"), "a"));
    }

    [Fact]
    public void HasPath_EveryPodReference_LeadsToTheNode()
    {
        var spec = JsonNode.Parse("""
            {
              "serviceAccountName": "sa",
              "imagePullSecrets": [{"name": "pull"}],
              "initContainers": [{"name": "i", "envFrom": [{"secretRef": {"name": "init-env"}}]}],
              "containers": [{"name": "c", "env": [
                {"name": "A", "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "k"}}},
                {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "env-cm", "key": "k"}}}],
                "envFrom": [{"configMapRef": {"name": "from-cm"}}]}],
              "volumes": [
                {"name": "p", "projected": {"sources": [{"secret": {"name": "proj-secret"}}, {"configMap": {"name": "proj-cm"}}]}},
                {"name": "csi", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "csi-secret"}}},
                {"name": "claim", "persistentVolumeClaim": {"claimName": "data"}},
                {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}}]
            }
            """)!.AsObject();
        _populator.ApplyPod(Pod("ns", "p", "a", spec));

        foreach (var secret in new[] { "pull", "init-env", "env-secret", "proj-secret", "csi-secret" })
        {
            Assert.True(_graph.HasPath(Secret("ns", secret), "a"), secret);
        }

        foreach (var configMap in new[] { "env-cm", "from-cm", "proj-cm" })
        {
            Assert.True(_graph.HasPath(new Vertex(VertexKind.ConfigMap, "ns", configMap), "a"), configMap);
        }

        Assert.True(_graph.HasPath(new Vertex(VertexKind.ServiceAccount, "ns", "sa"), "a"));
        Assert.True(_graph.HasPath(new Vertex(VertexKind.PersistentVolumeClaim, "ns", "data"), "a"));
        Assert.True(_graph.HasPath(new Vertex(VertexKind.PersistentVolumeClaim, "ns", "p-scratch"), "a"));
        Assert.True(_graph.HasPath(new Vertex(VertexKind.Pod, "ns", "p"), "a"));
    }

    [Fact]
    public void HasPath_ClaimToVolumeToSecret_FollowsTheChainAndBreaksWithIt()
    {
        var pv = JsonNode.Parse("""
            {"metadata": {"name": "pv1"}, "spec": {
              "claimRef": {"namespace": "ns", "name": "data"},
              "csi": {"driver": "d", "nodeStageSecretRef": {"namespace": "secrets", "name": "stage"}},
              "cephfs": {"monitors": ["m"], "secretRef": {"name": "ceph"}}}}
            """)!.AsObject();
        var (owner, edges) = GraphEdges.OfPersistentVolume(pv);
        _graph.SetEdges(owner, edges);
        var pvVertex = new Vertex(VertexKind.PersistentVolume, "", "pv1");
        Assert.False(_graph.HasPath(pvVertex, "a"));

        var claimVolume = new JsonObject { ["volumes"] = new JsonArray(new JsonObject { ["name"] = "d", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = "data" } }) };
        _populator.ApplyPod(Pod("ns", "p", "a", claimVolume));

        Assert.True(_graph.HasPath(pvVertex, "a"));
        Assert.True(_graph.HasPath(Secret("secrets", "stage"), "a"));
        // A secretRef without a namespace is the claim's namespace's.
        Assert.True(_graph.HasPath(Secret("ns", "ceph"), "a"));
        Assert.False(_graph.HasPath(Secret("secrets", "stage"), "b"));

        _graph.Remove(owner);

        Assert.False(_graph.HasPath(pvVertex, "a"));
        Assert.False(_graph.HasPath(Secret("secrets", "stage"), "a"));
        Assert.True(_graph.HasPath(new Vertex(VertexKind.PersistentVolumeClaim, "ns", "data"), "a"));
    }

    [Fact]
    public void HasPath_ThroughAnotherNode_IsNotFollowed()
    {
        // An attachment to node b links nothing to node a, even with both nodes in the graph.
        var (owner, edges) = GraphEdges.OfVolumeAttachment(JsonNode.Parse("""{"metadata": {"name": "va"}, "spec": {"nodeName": "b"}}""")!.AsObject());
        _graph.SetEdges(owner, edges);
        _populator.ApplyPod(Pod("ns", "p", "a", SecretVolume("s")));

        Assert.True(_graph.HasPath(new Vertex(VertexKind.VolumeAttachment, "", "va"), "b"));
        Assert.False(_graph.HasPath(new Vertex(VertexKind.VolumeAttachment, "", "va"), "a"));
    }
}
