using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;
using Xunit;

namespace Timonel.Scheduler.Tests.Plugins;

/// <summary>The filters that look only at the node: NodeName, NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts.</summary>
public class NodePluginsTests
{
    private static Status? RunFilter(IFilterPlugin plugin, V1Pod pod, NodeInfo node)
    {
        var state = new CycleState();
        var info = new PodInfo(pod);
        if (plugin is IPreFilterPlugin pre)
        {
            var s = pre.PreFilter(state, info, Snapshot.Of([node]), out _);
            if (s?.Code == StatusCode.Skip)
            {
                return null;
            }

            if (s is not null)
            {
                return s;
            }
        }

        return plugin.Filter(state, info, node);
    }

    [Theory]
    [InlineData(null, "n1", null)]
    [InlineData("n1", "n1", null)]
    [InlineData("n2", "n1", NodeName.ErrReason)]
    public void NodeName_Filter(string? wanted, string node, string? reason)
    {
        var pod = Make.Pod("p", nodeName: wanted);
        var s = new NodeName().Filter(new CycleState(), new PodInfo(pod), Make.NodeInfo(Make.Node(node)));

        Assert.Equal(reason, s?.Message);
    }

    [Theory]
    [InlineData(false, false, null)]
    [InlineData(true, false, NodeUnschedulable.ErrReasonUnschedulable)]
    [InlineData(true, true, null)]
    public void NodeUnschedulable_Filter(bool cordoned, bool tolerates, string? reason)
    {
        var pod = Make.Pod("p");
        if (tolerates)
        {
            pod.Spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" }];
        }

        var s = new NodeUnschedulable().Filter(new CycleState(), new PodInfo(pod), Make.NodeInfo(Make.Node("n", unschedulable: cordoned)));

        Assert.Equal(reason, s?.Message);
        if (reason is not null)
        {
            Assert.Equal(StatusCode.UnschedulableAndUnresolvable, s!.Code);
        }
    }

    public static TheoryData<string, V1Taint[], V1Toleration[], string?> TaintCases => new()
    {
        { "no taints", [], [], null },
        { "untolerated NoSchedule", [new() { Key = "key", Value = "value", Effect = "NoSchedule" }], [], "node(s) had untolerated taint {key: value}" },
        { "PreferNoSchedule ignored", [new() { Key = "key", Value = "value", Effect = "PreferNoSchedule" }], [], null },
        { "tolerated by Equal", [new() { Key = "key", Value = "value", Effect = "NoSchedule" }], [new() { Key = "key", OperatorProperty = "Equal", Value = "value", Effect = "NoSchedule" }], null },
        { "wrong value", [new() { Key = "key", Value = "value", Effect = "NoExecute" }], [new() { Key = "key", OperatorProperty = "Equal", Value = "other" }], "node(s) had untolerated taint {key: value}" },
        { "Exists with empty key tolerates all", [new() { Key = "a", Value = "b", Effect = "NoExecute" }], [new() { OperatorProperty = "Exists" }], null },
        { "empty value prints empty", [new() { Key = "node-role.kubernetes.io/control-plane", Effect = "NoSchedule" }], [], "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }" },
    };

    [Theory]
    [MemberData(nameof(TaintCases))]
    public void TaintToleration_Filter(string name, V1Taint[] taints, V1Toleration[] tolerations, string? reason)
    {
        var pod = Make.Pod("p");
        pod.Spec.Tolerations = tolerations;
        var s = new TaintToleration().Filter(new CycleState(), new PodInfo(pod), Make.NodeInfo(Make.Node("n", taints: taints)));

        Assert.True(name.Length > 0);
        Assert.Equal(reason, s?.Message);
    }

    [Fact]
    public void TaintToleration_Score_FewerPreferNoScheduleTaintsWins()
    {
        var plugin = new TaintToleration();
        var pod = new PodInfo(Make.Pod("p"));
        var nodes = new[]
        {
            Make.NodeInfo(Make.Node("clean")),
            Make.NodeInfo(Make.Node("tainted", taints: [new V1Taint { Key = "k", Effect = "PreferNoSchedule" }])),
        };
        var state = new CycleState();
        plugin.PreScore(state, pod, nodes);
        var scores = nodes.Select(n => plugin.Score(state, pod, n)).ToArray();
        plugin.NormalizeScore(state, pod, nodes, scores);

        Assert.Equal([100L, 0L], scores);
    }

    public static TheoryData<string, Dictionary<string, string>?, V1NodeAffinity?, bool> AffinityCases => new()
    {
        { "nothing required", null, null, true },
        { "nodeSelector matches", Make.Labels("disk=ssd"), null, true },
        { "nodeSelector mismatch", Make.Labels("disk=hdd"), null, false },
        {
            "required In matches", null,
            new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = Make.Selector([new V1NodeSelectorTerm { MatchExpressions = [Make.Req("zone", "In", ["a", "b"])] }]) },
            true
        },
        {
            "required NotIn excludes", null,
            new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = Make.Selector([new V1NodeSelectorTerm { MatchExpressions = [Make.Req("zone", "NotIn", ["a"])] }]) },
            false
        },
        {
            "terms are ORed", null,
            new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = Make.Selector(
                [
                    new V1NodeSelectorTerm { MatchExpressions = [Make.Req("zone", "In", ["x"])] },
                    new V1NodeSelectorTerm { MatchExpressions = [Make.Req("cores", "Gt", ["8"])] },
                ]),
            },
            true
        },
        {
            "matchFields metadata.name", null,
            new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = Make.Selector([new V1NodeSelectorTerm { MatchFields = [Make.Req("metadata.name", "In", ["other"])] }]) },
            false
        },
    };

    [Theory]
    [MemberData(nameof(AffinityCases))]
    public void NodeAffinity_Filter(string name, Dictionary<string, string>? nodeSelector, V1NodeAffinity? affinity, bool fits)
    {
        var pod = Make.Pod("p");
        pod.Spec.NodeSelector = nodeSelector;
        pod.Spec.Affinity = affinity is null ? null : new V1Affinity { NodeAffinity = affinity };
        var node = Make.NodeInfo(Make.Node("n", labels: Make.Labels("disk=ssd", "zone=a", "cores=16")));

        var s = RunFilter(new NodeAffinity(), pod, node);

        Assert.True(name.Length > 0);
        Assert.Equal(fits ? null : NodeAffinity.ErrReasonPod, s?.Message);
    }

    [Fact]
    public void NodeAffinity_Score_SumsMatchingPreferredWeights()
    {
        var pod = Make.Pod("p");
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    Make.Preferred(new V1NodeSelectorTerm { MatchExpressions = [Make.Req("zone", "In", ["a"])] }, 10),
                    Make.Preferred(new V1NodeSelectorTerm { MatchExpressions = [Make.Req("disk", "In", ["ssd"])] }, 5),
                ],
            },
        };
        var nodes = new[] { Make.NodeInfo(Make.Node("a", labels: Make.Labels("zone=a", "disk=ssd"))), Make.NodeInfo(Make.Node("b", labels: Make.Labels("zone=a"))), Make.NodeInfo(Make.Node("c")) };
        var plugin = new NodeAffinity();
        var state = new CycleState();
        var info = new PodInfo(pod);
        plugin.PreScore(state, info, nodes);
        var scores = nodes.Select(n => plugin.Score(state, info, n)).ToArray();
        plugin.NormalizeScore(state, info, nodes, scores);

        Assert.Equal([100L, 66L, 0L], scores);
    }

    [Theory]
    [InlineData(8080, "TCP", "", 8080, "TCP", "", false)]
    [InlineData(8080, "TCP", "", 8080, "UDP", "", true)]
    [InlineData(8080, "TCP", "10.0.0.1", 8080, "TCP", "10.0.0.2", true)]
    [InlineData(8080, "TCP", "10.0.0.1", 8080, "TCP", "", false)]
    [InlineData(8080, "TCP", "", 9090, "TCP", "", true)]
    public void NodePorts_Filter(int usedPort, string usedProto, string usedIp, int wantPort, string wantProto, string wantIp, bool fits)
    {
        static V1Pod WithPort(string name, int port, string proto, string ip)
        {
            var p = Make.Pod(name);
            p.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = port, HostPort = port, Protocol = proto, HostIP = ip }];
            return p;
        }

        var node = Make.NodeInfo(Make.Node("n"), WithPort("e", usedPort, usedProto, usedIp));
        var s = RunFilter(new NodePorts(), WithPort("p", wantPort, wantProto, wantIp), node);

        Assert.Equal(fits ? null : NodePorts.ErrReason, s?.Message);
    }
}
