using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;
using Timonel.Scheduler.Queue;
using Xunit;

namespace Timonel.Scheduler.Tests.Plugins;

public class InterPodAffinityTests
{
    private static readonly Dictionary<string, string> ZoneA = Make.Labels("zone=a");
    private static readonly Dictionary<string, string> ZoneB = Make.Labels("zone=b");

    private static V1PodAffinityTerm Term(string selector, string topologyKey = "zone")
    {
        var (k, v) = (selector.Split('=')[0], selector.Split('=')[1]);
        return new V1PodAffinityTerm { LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [k] = v } }, TopologyKey = topologyKey };
    }

    private static V1Pod WithAffinity(string name, Dictionary<string, string>? labels, V1PodAffinityTerm? affinity = null, V1PodAffinityTerm? anti = null)
    {
        var p = Make.Pod(name, labels: labels);
        p.Spec.Affinity = new V1Affinity
        {
            PodAffinity = affinity is null ? null : new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [affinity] },
            PodAntiAffinity = anti is null ? null : new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [anti] },
        };
        return p;
    }

    private static Dictionary<string, string?> FilterAll(V1Pod pod, params NodeInfo[] nodes)
    {
        var snapshot = Snapshot.Of(nodes);
        var handle = new PluginHandle(new SchedulerListers(), new FakeClient(), TimeProvider.System, new Nominator()) { Snapshot = snapshot };
        var plugin = new InterPodAffinity(handle);
        var state = new CycleState();
        var info = new PodInfo(pod);
        var pre = plugin.PreFilter(state, info, snapshot, out _);
        return nodes.ToDictionary(n => n.Name, n => pre?.Code == StatusCode.Skip ? null : plugin.Filter(state, info, n)?.Message);
    }

    [Fact]
    public void PreFilter_InvalidAffinitySelector_UnresolvableParsingPod()
    {
        var invalid = new V1PodAffinityTerm
        {
            LabelSelector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "Foo" }] },
            TopologyKey = "zone",
        };
        var a = Make.NodeInfo(Make.Node("a", labels: ZoneA));
        var snapshot = Snapshot.Of([a]);
        var plugin = new InterPodAffinity(new PluginHandle(new SchedulerListers(), new FakeClient(), TimeProvider.System, new Nominator()) { Snapshot = snapshot });
        var valid = new PodInfo(WithAffinity("ok", Make.Labels("app=web"), affinity: Term("app=web")));
        var info = new PodInfo(WithAffinity("web", Make.Labels("app=web"), affinity: invalid));

        var accepted = plugin.PreFilter(new CycleState(), valid, snapshot, out _);
        var refused = plugin.PreFilter(new CycleState(), info, snapshot, out _);

        Assert.Null(valid.ParseError);
        Assert.NotEqual(StatusCode.UnschedulableAndUnresolvable, accepted?.Code);
        Assert.Equal("requiredAffinityTerms: \"Foo\" is not a valid label selector operator", info.ParseError);
        Assert.Empty(info.RequiredAffinityTerms);
        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, refused?.Code);
        Assert.Equal("parsing pod: requiredAffinityTerms: \"Foo\" is not a valid label selector operator", refused?.Message);
    }

    [Fact]
    public void Filter_RequiredAffinity_OnlyZoneWithMatchingPod()
    {
        var a = Make.NodeInfo(Make.Node("a", labels: ZoneA), Make.Pod("db", labels: Make.Labels("app=db")));
        var b = Make.NodeInfo(Make.Node("b", labels: ZoneB));
        var a2 = Make.NodeInfo(Make.Node("a2", labels: ZoneA));

        var result = FilterAll(WithAffinity("web", Make.Labels("app=web"), affinity: Term("app=db")), a, b, a2);

        Assert.Null(result["a"]);
        Assert.Null(result["a2"]);
        Assert.Equal(InterPodAffinity.ErrReasonAffinityRulesNotMatch, result["b"]);
    }

    [Fact]
    public void Filter_AffinityToItselfWithNoMatches_AllowsAnyNode()
    {
        var a = Make.NodeInfo(Make.Node("a", labels: ZoneA));

        var result = FilterAll(WithAffinity("web", Make.Labels("app=web"), affinity: Term("app=web")), a);

        Assert.Null(result["a"]);
    }

    [Fact]
    public void Filter_RequiredAntiAffinity_AvoidsZoneWithMatchingPod()
    {
        var a = Make.NodeInfo(Make.Node("a", labels: ZoneA), Make.Pod("web1", labels: Make.Labels("app=web")));
        var a2 = Make.NodeInfo(Make.Node("a2", labels: ZoneA));
        var b = Make.NodeInfo(Make.Node("b", labels: ZoneB));

        var result = FilterAll(WithAffinity("web2", Make.Labels("app=web"), anti: Term("app=web")), a, a2, b);

        Assert.Equal(InterPodAffinity.ErrReasonAntiAffinityRulesNotMatch, result["a"]);
        Assert.Equal(InterPodAffinity.ErrReasonAntiAffinityRulesNotMatch, result["a2"]);
        Assert.Null(result["b"]);
    }

    [Fact]
    public void Filter_ExistingPodAntiAffinity_KeepsIncomingPodAway()
    {
        var guard = WithAffinity("guard", Make.Labels("app=guard"), anti: Term("app=web", "kubernetes.io/hostname"));
        var a = Make.NodeInfo(Make.Node("a", labels: ZoneA), guard);
        var b = Make.NodeInfo(Make.Node("b", labels: ZoneB));

        var result = FilterAll(Make.Pod("web", labels: Make.Labels("app=web")), a, b);

        Assert.Equal(InterPodAffinity.ErrReasonExistingAntiAffinityRulesNotMatch, result["a"]);
        Assert.Null(result["b"]);
    }

    [Fact]
    public void Filter_OtherNamespace_NotMatched()
    {
        var a = Make.NodeInfo(Make.Node("a", labels: ZoneA), Make.Pod("web1", ns: "other", labels: Make.Labels("app=web")));

        var result = FilterAll(WithAffinity("web2", Make.Labels("app=web"), anti: Term("app=web")), a);

        Assert.Null(result["a"]);
    }

    [Fact]
    public void Score_PreferredAffinity_FavoursZoneWithPeer()
    {
        var pod = Make.Pod("web", labels: Make.Labels("app=web"));
        pod.Spec.Affinity = new V1Affinity
        {
            PodAffinity = new V1PodAffinity { PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { PodAffinityTerm = Term("app=cache"), Weight = 50 }] },
        };
        var nodes = new[] { Make.NodeInfo(Make.Node("a", labels: ZoneA), Make.Pod("c", labels: Make.Labels("app=cache"))), Make.NodeInfo(Make.Node("b", labels: ZoneB)) };
        var handle = new PluginHandle(new SchedulerListers(), new FakeClient(), TimeProvider.System, new Nominator()) { Snapshot = Snapshot.Of(nodes) };
        var plugin = new InterPodAffinity(handle);
        var state = new CycleState();
        var info = new PodInfo(pod);

        Assert.Null(plugin.PreScore(state, info, nodes));
        var scores = nodes.Select(n => plugin.Score(state, info, n)).ToArray();
        plugin.NormalizeScore(state, info, nodes, scores);

        Assert.Equal([100L, 0L], scores);
    }
}
