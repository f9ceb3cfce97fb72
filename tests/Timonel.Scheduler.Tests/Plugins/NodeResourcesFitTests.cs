using k8s.Models;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;
using Xunit;

namespace Timonel.Scheduler.Tests.Plugins;

public class NodeResourcesFitTests
{
    public static TheoryData<string, V1Pod, V1Pod[], string[]> FilterCases => new()
    {
        { "fits", Make.Pod("p", cpu: "1", memory: "1Gi"), [], [] },
        { "insufficient cpu", Make.Pod("p", cpu: "3"), [Make.Pod("e", cpu: "2")], ["Insufficient cpu"] },
        { "insufficient cpu and memory", Make.Pod("p", cpu: "5", memory: "9Gi"), [], ["Insufficient cpu", "Insufficient memory"] },
        { "too many pods", Make.Pod("p"), [Make.Pod("a"), Make.Pod("b")], ["Too many pods"] },
        { "best effort fits a full node", Make.Pod("p"), [Make.Pod("e", cpu: "4")], [] },
        { "extended resource missing", Make.Pod("p", extra: new Dictionary<string, string> { ["example.com/gpu"] = "1" }), [], ["Insufficient example.com/gpu"] },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Filter_Pod_ExpectedReasons(string name, V1Pod pod, V1Pod[] existing, string[] reasons)
    {
        var node = Make.NodeInfo(Make.Node("n", cpu: "4", memory: "8Gi", pods: 2), existing);
        var status = new NodeResourcesFit().Filter(new CycleState(), new PodInfo(pod), node);

        Assert.True(name.Length > 0);
        Assert.Equal(reasons, status?.Reasons ?? []);
        if (reasons.Length > 0)
        {
            Assert.Equal(StatusCode.Unschedulable, status!.Code);
        }
    }

    [Fact]
    public void Filter_IgnoredExtendedResource_Fits()
    {
        var pod = Make.Pod("p", extra: new Dictionary<string, string> { ["example.com/gpu"] = "1" });
        var plugin = new NodeResourcesFit(ignoredResourceGroups: ["example.com"]);

        Assert.Null(plugin.Filter(new CycleState(), new PodInfo(pod), Make.NodeInfo(Make.Node("n"))));
    }

    public static TheoryData<string, string, long> ScoreCases => new()
    {
        // Node 4 CPU / 8Gi, existing 1 CPU / 2Gi, pod 1 CPU / 2Gi: half of each used.
        { ResourceScoring.LeastAllocated, "", 50 },
        { ResourceScoring.MostAllocated, "", 50 },
        { ResourceScoring.RequestedToCapacityRatio, "", 50 },
    };

    [Theory]
    [MemberData(nameof(ScoreCases))]
    public void Score_HalfUsedNode_ByStrategy(string strategy, string unused, long expected)
    {
        Assert.NotNull(unused);
        var shape = new List<(long, long)> { (0, 0), (100, 10) };
        var plugin = new NodeResourcesFit(new ResourceScoring(strategy, ResourceScoring.DefaultResources, shape));
        var node = Make.NodeInfo(Make.Node("n", cpu: "4", memory: "8Gi"), Make.Pod("e", cpu: "1", memory: "2Gi"));

        Assert.Equal(expected, plugin.Score(new CycleState(), new PodInfo(Make.Pod("p", cpu: "1", memory: "2Gi")), node));
    }

    [Fact]
    public void Score_LeastAllocated_PrefersEmptierNode()
    {
        var plugin = new NodeResourcesFit();
        var pod = new PodInfo(Make.Pod("p", cpu: "1", memory: "1Gi"));
        var empty = plugin.Score(new CycleState(), pod, Make.NodeInfo(Make.Node("a")));
        var busy = plugin.Score(new CycleState(), pod, Make.NodeInfo(Make.Node("b"), Make.Pod("e", cpu: "2", memory: "4Gi")));

        Assert.True(empty > busy, $"{empty} should exceed {busy}");
    }

    [Fact]
    public void ResourceScoring_UnknownType_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new ResourceScoring("Bogus", ResourceScoring.DefaultResources));
        Assert.Contains("Unsupported value: \"Bogus\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BalancedAllocation_BalancedBeatsSkewed()
    {
        var plugin = new NodeResourcesBalancedAllocation();
        var pod = new PodInfo(Make.Pod("p", cpu: "1", memory: "2Gi"));
        var balanced = plugin.Score(new CycleState(), pod, Make.NodeInfo(Make.Node("a", cpu: "4", memory: "8Gi")));
        var skewed = plugin.Score(new CycleState(), pod, Make.NodeInfo(Make.Node("b", cpu: "4", memory: "8Gi"), Make.Pod("e", cpu: "2")));

        Assert.Equal(100, balanced);
        Assert.True(skewed < balanced);
    }
}
