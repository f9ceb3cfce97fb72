using Xunit;

namespace Timonel.Simulator.Tests;

public sealed class NodeStatusBuilderTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Desired_NodeWithoutPodCidr_IsNotReadyBecauseItsNetworkIsNot()
    {
        // A node left without a subnet (cluster CIDR used up) must not look schedulable: pods
        // placed on it could never get an address and would stay Pending for good.
        var node = new SimulatedNodeTemplate().Build("sim-0");

        var status = NodeStatusBuilder.Desired(node, Now, TimeSpan.FromMinutes(5));

        var ready = Assert.Single(status!.Conditions, c => c.Type == "Ready");
        Assert.Equal(("False", "KubeletNotReady"), (ready.Status, ready.Reason));
        Assert.Contains("network not ready", ready.Message, StringComparison.Ordinal);
        Assert.All(status.Conditions.Where(c => c.Type != "Ready"), c => Assert.Equal("False", c.Status));
    }

    [Fact]
    public void Desired_NotReadyNodeGivenPodCidr_PostsReadyAtOnce()
    {
        var node = new SimulatedNodeTemplate().Build("sim-0");
        node.Status = NodeStatusBuilder.Desired(node, Now, TimeSpan.FromMinutes(5));
        Assert.Null(NodeStatusBuilder.Desired(node, Now.AddSeconds(1), TimeSpan.FromMinutes(5)));

        node.Spec.PodCIDR = "10.42.7.0/24";
        var status = NodeStatusBuilder.Desired(node, Now.AddSeconds(2), TimeSpan.FromMinutes(5));

        var ready = Assert.Single(status!.Conditions, c => c.Type == "Ready");
        Assert.Equal(("True", "KubeletReady"), (ready.Status, ready.Reason));
        Assert.Equal(Now.AddSeconds(2), ready.LastTransitionTime);
    }
}
