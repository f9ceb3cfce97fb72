using k8s.Models;
using Timonel.Controllers.DaemonSet;
using Xunit;

namespace Timonel.Controllers.Tests.DaemonSet;

public sealed class NodeEligibilityTests
{
    private static V1Node Node(Dictionary<string, string>? labels = null, params V1Taint[] taints) => new()
    {
        Metadata = new V1ObjectMeta { Name = "n1", Labels = labels ?? [] },
        Spec = new V1NodeSpec { Taints = taints },
    };

    private static V1PodSpec Spec(params V1Toleration[] tolerations) =>
        DaemonPodTemplate.SpecWithTolerations(new V1PodTemplateSpec { Spec = new V1PodSpec { Tolerations = tolerations } });

    [Theory]
    [InlineData("Equal", "db", "NoSchedule", true)]
    [InlineData("Equal", "web", "NoSchedule", false)]
    [InlineData("Exists", null, "", true)]
    [InlineData("Equal", "db", "NoExecute", false)]
    public void Tolerates_KeyValueAndEffect(string op, string? value, string effect, bool expected) =>
        Assert.Equal(expected, NodeEligibility.Tolerates(
            new V1Toleration { Key = "dedicated", OperatorProperty = op, Value = value, Effect = effect },
            new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }));

    [Fact]
    public void Check_UntoleratedNoSchedule_NoNewPodButTheOldMayStay() =>
        Assert.Equal(new NodeFit(false, true), NodeEligibility.Check(Node(null, new V1Taint { Key = "k", Effect = "NoSchedule" }), Spec()));

    [Fact]
    public void Check_UntoleratedNoExecute_PodMustGo() =>
        Assert.Equal(new NodeFit(false, false), NodeEligibility.Check(Node(null, new V1Taint { Key = "k", Effect = "NoExecute" }), Spec()));

    [Fact]
    public void Check_PreferNoSchedule_IsIgnored() =>
        Assert.Equal(new NodeFit(true, true), NodeEligibility.Check(Node(null, new V1Taint { Key = "k", Effect = "PreferNoSchedule" }), Spec()));

    [Theory]
    [InlineData("node.kubernetes.io/unreachable", "NoExecute")]
    [InlineData("node.kubernetes.io/memory-pressure", "NoSchedule")]
    [InlineData("node.kubernetes.io/unschedulable", "NoSchedule")]
    public void Check_DefaultDaemonTolerations_CoverNodeConditionTaints(string key, string effect) =>
        Assert.True(NodeEligibility.Check(Node(null, new V1Taint { Key = key, Effect = effect }), Spec()).ShouldRun);

    [Fact]
    public void Check_NetworkUnavailable_ToleratedOnlyWithHostNetwork()
    {
        var node = Node(null, new V1Taint { Key = "node.kubernetes.io/network-unavailable", Effect = "NoSchedule" });
        Assert.False(NodeEligibility.Check(node, Spec()).ShouldRun);
        var host = DaemonPodTemplate.SpecWithTolerations(new V1PodTemplateSpec { Spec = new V1PodSpec { HostNetwork = true } });
        Assert.True(NodeEligibility.Check(node, host).ShouldRun);
    }

    [Theory]
    [InlineData("In", "5", true)]
    [InlineData("NotIn", "5", false)]
    [InlineData("Gt", "4", true)]
    [InlineData("Lt", "4", false)]
    [InlineData("Exists", null, true)]
    [InlineData("DoesNotExist", null, false)]
    public void Check_RequiredAffinityOperators(string op, string? value, bool expected)
    {
        var spec = new V1PodSpec
        {
            Affinity = new V1Affinity
            {
                NodeAffinity = new V1NodeAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                    {
                        NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "cores", OperatorProperty = op, Values = value is null ? null : [value] }] }],
                    },
                },
            },
        };
        Assert.Equal(expected, NodeEligibility.Check(Node(new() { ["cores"] = "5" }), spec).ShouldRun);
    }

    [Fact]
    public void Check_EmptyAffinityTerm_MatchesNothing()
    {
        var spec = new V1PodSpec
        {
            Affinity = new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [new V1NodeSelectorTerm()] } } },
        };
        Assert.Equal(new NodeFit(false, false), NodeEligibility.Check(Node(), spec));
    }

    [Theory]
    [InlineData("25%", "0", 10, 3, 0)]
    [InlineData("0", "0", 10, 0, 1)]
    [InlineData("2", "10%", 5, 2, 1)]
    public void Budget_ScalesPercentagesUp_AndNeverStallsAtZero(string surge, string unavailable, int desired, int expectedSurge, int expectedUnavailable)
    {
        static IntOrString Parse(string v) => int.TryParse(v, out var n) ? n : v;
        var budget = DaemonSetPlan.Budget(new V1RollingUpdateDaemonSet { MaxSurge = Parse(surge), MaxUnavailable = Parse(unavailable) }, desired);
        Assert.Equal((expectedSurge, expectedUnavailable), budget);
    }
}
