using Xunit;

namespace Timonel.Simulator.Tests;

public sealed class SimulatedNodeTemplateTests
{
    [Fact]
    public void Build_Node_CarriesSimulatedLabelCapacityAndTaints()
    {
        var template = new SimulatedNodeTemplate
        {
            Cpu = "4",
            Memory = "8Gi",
            Labels = SimulatedNodeTemplate.ParseLabels("topology.kubernetes.io/zone=a,tier=web"),
            Taints = SimulatedNodeTemplate.ParseTaints("dedicated=gpu:NoSchedule,spot:PreferNoSchedule"),
        };

        var node = template.Build("sim-0");

        Assert.Equal("true", node.Metadata.Labels[SimulatedNodeTemplate.SimulatedLabel]);
        Assert.Equal("a", node.Metadata.Labels["topology.kubernetes.io/zone"]);
        Assert.Equal("sim-0", node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("4", node.Status.Capacity["cpu"].ToString());
        Assert.Equal("8Gi", node.Status.Allocatable["memory"].ToString());
        Assert.Collection(node.Spec.Taints,
            t => Assert.Equal(("dedicated", "gpu", "NoSchedule"), (t.Key, t.Value, t.Effect)),
            t => Assert.Equal(("spot", (string?)null, "PreferNoSchedule"), (t.Key, t.Value, t.Effect)));
    }

    [Theory]
    [InlineData("novalue")]
    [InlineData("k=v:Sometimes")]
    [InlineData(":NoSchedule")]
    public void ParseTaints_Malformed_Throws(string text) =>
        Assert.Throws<ArgumentException>(() => SimulatedNodeTemplate.ParseTaints(text));

    [Fact]
    public void ParseLabels_NoEquals_Throws() =>
        Assert.Throws<ArgumentException>(() => SimulatedNodeTemplate.ParseLabels("a=b,c"));
}
