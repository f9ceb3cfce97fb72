using k8s.Models;
using Timonel.Autoscaler.Simulation;
using Timonel.Scheduler.Framework;
using Xunit;

namespace Timonel.Autoscaler.Tests;

public sealed class ScaleDownPlannerTests
{
    private readonly FitChecker _fit = new();
    private readonly Timonel.Autoscaler.NodeGroups.NodeGroupSpec _pool = Fixtures.Spec(cpu: "4");

    private IReadOnlyList<NodeVerdict> Plan(IReadOnlyList<NodeInfo> cluster, params V1PodDisruptionBudget[] pdbs) =>
        ScaleDownPlanner.Plan(_fit, Fixtures.Provider(_pool), cluster, pdbs, 0.5);

    private static NodeVerdict Verdict(IReadOnlyList<NodeVerdict> verdicts, string node) => Assert.Single(verdicts, v => v.Node == node);

    [Fact]
    public void Plan_UnderutilizedNodeWhosePodsFitElsewhere_IsCandidate()
    {
        var verdicts = Plan([Fixtures.Node("pool-aaaaa", _pool, Fixtures.Pod("a", "1")), Fixtures.Node("base", null)]);

        var candidate = Verdict(verdicts, "pool-aaaaa").Candidate;
        Assert.NotNull(candidate);
        Assert.Equal(0.25, candidate.Utilization, 3);
        Assert.Equal("a", Assert.Single(candidate.PodsToMove).Metadata.Name);
        Assert.DoesNotContain(verdicts, v => v.Node == "base"); // no group: never a candidate
    }

    [Fact]
    public void Plan_NodeAtThreshold_IsNotUnneeded()
    {
        var verdicts = Plan([Fixtures.Node("pool-aaaaa", _pool, Fixtures.Pod("a", "2")), Fixtures.Node("base", null)]);

        var verdict = Verdict(verdicts, "pool-aaaaa");
        Assert.Null(verdict.Candidate);
        Assert.StartsWith("NotUnderutilized", verdict.Reason);
    }

    [Fact]
    public void Plan_PodWithoutController_BlocksUnlessSafeToEvict()
    {
        var bare = Fixtures.Pod("bare", "1", controlled: false);
        var blocked = Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, bare), Fixtures.Node("base", null)]), "pool-aaaaa");
        Assert.Null(blocked.Candidate);
        Assert.Contains("not replicated", blocked.Reason);

        bare.Metadata.Annotations = new Dictionary<string, string> { [DrainRules.SafeToEvict] = "true" };
        Assert.NotNull(Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, bare), Fixtures.Node("base", null)]), "pool-aaaaa").Candidate);
    }

    [Fact]
    public void Plan_KubeSystemPodWithoutBudget_Blocks()
    {
        var verdict = Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, Fixtures.Pod("dns", "1", ns: "kube-system")), Fixtures.Node("base", null)]), "pool-aaaaa");

        Assert.Null(verdict.Candidate);
        Assert.Contains("kube-system pod", verdict.Reason);
    }

    [Fact]
    public void Plan_PodWithEmptyDir_Blocks()
    {
        var pod = Fixtures.Pod("cache", "1");
        pod.Spec.Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() }];

        var verdict = Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, pod), Fixtures.Node("base", null)]), "pool-aaaaa");

        Assert.Null(verdict.Candidate);
        Assert.Contains("local storage", verdict.Reason);
    }

    [Fact]
    public void Plan_BudgetAllowingNoDisruption_Blocks_AllowingOne_DoesNot()
    {
        var pdb = new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1PodDisruptionBudgetSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } },
            Status = new V1PodDisruptionBudgetStatus { DisruptionsAllowed = 0 },
        };
        var blocked = Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, Fixtures.Pod("a", "1")), Fixtures.Node("base", null)], pdb), "pool-aaaaa");
        Assert.Null(blocked.Candidate);
        Assert.Contains("disruption budget", blocked.Reason);

        pdb.Status.DisruptionsAllowed = 1;
        Assert.NotNull(Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, Fixtures.Pod("a", "1")), Fixtures.Node("base", null)], pdb), "pool-aaaaa").Candidate);
    }

    [Fact]
    public void Plan_NoRoomOnOtherNodes_Blocks()
    {
        var full = Fixtures.Node("base", Fixtures.Spec("small", cpu: "1"));
        full.Node!.Metadata.Labels.Remove(Timonel.Autoscaler.NodeGroups.NodeGroupLabels.Group);
        var verdict = Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, Fixtures.Pod("a", "1500m")), full]), "pool-aaaaa");

        Assert.Null(verdict.Candidate);
        Assert.StartsWith("NoPlaceToMovePods", verdict.Reason);
    }

    [Fact]
    public void Plan_TwoUnderutilizedNodesAndRoomForOneNodesPods_OnlyTheLeastUsedIsCandidate()
    {
        // The less used node (1 CPU) empties into the other; the other then has no node left to empty into.
        var verdicts = Plan([Fixtures.Node("pool-aaaaa", _pool, Fixtures.Pod("a", "1500m")), Fixtures.Node("pool-bbbbb", _pool, Fixtures.Pod("b", "1"))]);

        Assert.NotNull(Verdict(verdicts, "pool-bbbbb").Candidate);
        Assert.Null(Verdict(verdicts, "pool-aaaaa").Candidate);
    }

    [Fact]
    public void Plan_DaemonSetPodsStayAndDoNotBlock()
    {
        var ds = Fixtures.Pod("agent", "100m", ns: "kube-system", controlled: false);
        ds.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "DaemonSet", Name = "agent", Uid = "ds", Controller = true }];

        var candidate = Verdict(Plan([Fixtures.Node("pool-aaaaa", _pool, ds), Fixtures.Node("base", null)]), "pool-aaaaa").Candidate;

        Assert.NotNull(candidate);
        Assert.Empty(candidate.PodsToMove);
    }
}
