using Timonel.Autoscaler.Simulation;
using Timonel.Scheduler.Framework;
using Xunit;

namespace Timonel.Autoscaler.Tests;

public sealed class BinpackingEstimatorTests
{
    private readonly FitChecker _fit = new();

    private static List<PodInfo> Pods(int count, string cpu) =>
        [.. Enumerable.Range(0, count).Select(i => new PodInfo(Fixtures.Pod($"p{i}", cpu)))];

    [Fact]
    public void Estimate_TenOneCpuPodsOnFourCpuTemplate_NeedsThreeNodes()
    {
        var spec = Fixtures.Spec(cpu: "4");
        var estimate = BinpackingEstimator.Estimate(_fit, Pods(10, "1"), spec.Template().Build, [], limit: 10, "pool");

        Assert.Equal(3, estimate.NodeCount);
        Assert.Equal(10, estimate.Pods.Count);
        Assert.Equal(new[] { 4, 4, 2 }, estimate.NewNodes.Select(n => n.Pods.Count));
    }

    [Fact]
    public void Estimate_LimitBelowNeed_StopsAtLimitAndLeavesTheRest()
    {
        var spec = Fixtures.Spec(cpu: "4");
        var estimate = BinpackingEstimator.Estimate(_fit, Pods(10, "1"), spec.Template().Build, [], limit: 2, "pool");

        Assert.Equal(2, estimate.NodeCount);
        Assert.Equal(8, estimate.Pods.Count);
    }

    [Fact]
    public void Estimate_MixedSizes_LargestFirstPacksTighter()
    {
        // First fit in arrival order needs 3 nodes (1+1 | 3 | 3); largest first gives 3+1 | 3+1.
        var spec = Fixtures.Spec(cpu: "4");
        List<PodInfo> pods = [new(Fixtures.Pod("a", "1")), new(Fixtures.Pod("b", "1")), new(Fixtures.Pod("c", "3")), new(Fixtures.Pod("d", "3"))];

        var estimate = BinpackingEstimator.Estimate(_fit, pods, spec.Template().Build, [], limit: 10, "pool");

        Assert.Equal(2, estimate.NodeCount);
        Assert.Equal(4, estimate.Pods.Count);
    }

    [Fact]
    public void Estimate_PodLargerThanTemplate_NeedsNoNode()
    {
        var spec = Fixtures.Spec(cpu: "4");
        var estimate = BinpackingEstimator.Estimate(_fit, Pods(1, "8"), spec.Template().Build, [], limit: 10, "pool");

        Assert.Equal(0, estimate.NodeCount);
        Assert.Empty(estimate.Pods);
    }

    [Fact]
    public void Estimate_NodeSelectorTheTemplateLacks_NeedsNoNodeButMatchingTemplateDoes()
    {
        var plain = Fixtures.Spec(name: "plain");
        var gpu = Fixtures.Spec(name: "gpu");
        gpu.Labels["accelerator"] = "yes";
        var pod = Fixtures.Pod("p", "1");
        pod.Spec.NodeSelector = new Dictionary<string, string> { ["accelerator"] = "yes" };

        Assert.Equal(0, BinpackingEstimator.Estimate(_fit, [new PodInfo(pod)], plain.Template().Build, [], 10, "plain").NodeCount);
        Assert.Equal(1, BinpackingEstimator.Estimate(_fit, [new PodInfo(pod)], gpu.Template().Build, [], 10, "gpu").NodeCount);
    }

    [Fact]
    public void Estimate_TaintedTemplate_OnlyToleratingPodsCount()
    {
        var spec = Fixtures.Spec();
        spec.Taints.Add("dedicated=batch:NoSchedule");
        var tolerating = Fixtures.Pod("t", "1");
        tolerating.Spec.Tolerations = [new k8s.Models.V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "batch", Effect = "NoSchedule" }];

        var estimate = BinpackingEstimator.Estimate(_fit, [new PodInfo(Fixtures.Pod("plain", "1")), new PodInfo(tolerating)], spec.Template().Build, [], 10, "pool");

        Assert.Equal(1, estimate.NodeCount);
        Assert.Equal("t", Assert.Single(estimate.Pods).Name);
    }

    [Fact]
    public void PlaceOnExisting_RoomOnANode_OnlyTheOverflowIsLeft()
    {
        var node = Fixtures.Node("n1", null);
        var left = BinpackingEstimator.PlaceOnExisting(_fit, Pods(10, "1"), [node]);

        Assert.Equal(6, left.Count); // a 4-CPU node
        Assert.Equal(4, node.Pods.Count);
    }

    [Fact]
    public void Expander_LeastWaste_PicksTheGroupWithLessUnusedShare()
    {
        var small = Fixtures.Spec(name: "small", cpu: "2", memory: "1Gi");
        var big = Fixtures.Spec(name: "big", cpu: "16", memory: "64Gi");
        var provider = Fixtures.Provider(small, big);
        var pods = Pods(2, "1");
        var options = provider.NodeGroups.Select(g =>
        {
            var e = BinpackingEstimator.Estimate(_fit, pods, g.TemplateNode, [], 10, g.Id);
            return new ScaleUpOption(g, e.NodeCount, e.Pods, e.NewNodes);
        }).ToList();

        Assert.Equal("small", Expander.Choose(Expander.LeastWaste, options, new Random(1))!.Group.Id);
        Assert.True(Expander.Waste(options[0]) < Expander.Waste(options[1]));
    }
}
