using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;
using Timonel.Scheduler.Queue;
using Xunit;

namespace Timonel.Scheduler.Tests.Plugins;

public class PodTopologySpreadTests
{
    private static V1Pod Spread(int maxSkew, string when = "DoNotSchedule", int? minDomains = null)
    {
        var p = Make.Pod("new", labels: Make.Labels("app=web"));
        p.Spec.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = maxSkew,
                TopologyKey = "zone",
                WhenUnsatisfiable = when,
                MinDomains = minDomains,
                LabelSelector = new V1LabelSelector { MatchLabels = Make.Labels("app=web") },
            },
        ];
        return p;
    }

    private static V1Pod Web(string name) => Make.Pod(name, labels: Make.Labels("app=web"));

    private static (PodTopologySpread Plugin, Snapshot Snapshot) Setup(NodeInfo[] nodes)
    {
        var snapshot = Snapshot.Of(nodes);
        var handle = new PluginHandle(new SchedulerListers(), new FakeClient(), TimeProvider.System, new Nominator()) { Snapshot = snapshot };
        return (new PodTopologySpread(handle), snapshot);
    }

    public static TheoryData<string, int, int?, string, string?> Cases => new()
    {
        // Zone a holds 2 matching pods, zone b holds 0.
        { "skew 1: a is too full", 1, null, "a1", PodTopologySpread.ErrReasonConstraintsNotMatch },
        { "skew 1: b is fine", 1, null, "b1", null },
        { "skew 3: a is fine", 3, null, "a1", null },
        { "node without the key", 1, null, "nolabel", PodTopologySpread.ErrReasonNodeLabelNotMatch },
        { "minDomains 3 treats min as 0", 2, 3, "a1", PodTopologySpread.ErrReasonConstraintsNotMatch },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filter_Skew(string name, int maxSkew, int? minDomains, string node, string? reason)
    {
        var nodes = new[]
        {
            Make.NodeInfo(Make.Node("a1", labels: Make.Labels("zone=a")), Web("w1"), Web("w2")),
            Make.NodeInfo(Make.Node("b1", labels: Make.Labels("zone=b"))),
            Make.NodeInfo(Make.Node("nolabel")),
        };
        var (plugin, snapshot) = Setup(nodes);
        var state = new CycleState();
        var pod = new PodInfo(Spread(maxSkew, minDomains: minDomains));

        Assert.Null(plugin.PreFilter(state, pod, snapshot, out _));
        Assert.True(name.Length > 0);
        Assert.Equal(reason, plugin.Filter(state, pod, nodes.Single(n => n.Name == node))?.Message);
    }

    [Fact]
    public void PreFilter_InvalidSelector_Error()
    {
        var nodes = new[] { Make.NodeInfo(Make.Node("a1", labels: Make.Labels("zone=a"))) };
        var (plugin, snapshot) = Setup(nodes);
        var valid = Spread(1);
        var invalid = Spread(1);
        invalid.Spec.TopologySpreadConstraints[0].LabelSelector = new V1LabelSelector { MatchLabels = Make.Labels("app=-web") };

        var accepted = plugin.PreFilter(new CycleState(), new PodInfo(valid), snapshot, out _);
        var refused = plugin.PreFilter(new CycleState(), new PodInfo(invalid), snapshot, out _);

        Assert.Null(accepted);
        Assert.Equal(StatusCode.Error, refused?.Code);
        Assert.StartsWith("obtaining pod's hard topology spread constraints: values[0][app]: Invalid value: \"-web\"", refused?.Message);
    }

    [Fact]
    public void Filter_RemovePodExtension_UpdatesCounts()
    {
        var nodes = new[]
        {
            Make.NodeInfo(Make.Node("a1", labels: Make.Labels("zone=a")), Web("w1"), Web("w2")),
            Make.NodeInfo(Make.Node("b1", labels: Make.Labels("zone=b")), Web("w3")),
        };
        var (plugin, snapshot) = Setup(nodes);
        var state = new CycleState();
        var pod = new PodInfo(Spread(1));
        plugin.PreFilter(state, pod, snapshot, out _);
        Assert.NotNull(plugin.Filter(state, pod, nodes[0]));

        plugin.RemovePod(state, pod, nodes[0].Pods[0], nodes[0]);

        Assert.Null(plugin.Filter(state, pod, nodes[0]));
    }

    [Fact]
    public void Score_ScheduleAnyway_PrefersEmptierZone()
    {
        var nodes = new[]
        {
            Make.NodeInfo(Make.Node("a1", labels: Make.Labels("zone=a")), Web("w1"), Web("w2")),
            Make.NodeInfo(Make.Node("b1", labels: Make.Labels("zone=b"))),
        };
        var (plugin, _) = Setup(nodes);
        var state = new CycleState();
        var pod = new PodInfo(Spread(1, "ScheduleAnyway"));

        Assert.Null(plugin.PreScore(state, pod, nodes));
        var scores = nodes.Select(n => plugin.Score(state, pod, n)).ToArray();
        plugin.NormalizeScore(state, pod, nodes, scores);

        Assert.True(scores[1] > scores[0], $"b {scores[1]} should beat a {scores[0]}");
    }

    [Fact]
    public void PreFilter_NoConstraints_Skips()
    {
        var (plugin, snapshot) = Setup([Make.NodeInfo(Make.Node("a"))]);

        Assert.Equal(StatusCode.Skip, plugin.PreFilter(new CycleState(), new PodInfo(Make.Pod("p")), snapshot, out _)?.Code);
    }
}
