using k8s.Models;
using Timonel.Controllers.Deployment;
using Xunit;

namespace Timonel.Controllers.Tests.Deployment;

public sealed class RolloutMathTests
{
    [Theory]
    [InlineData("25%", "25%", 10, 3, 2)]
    [InlineData("25%", "25%", 4, 1, 1)]
    [InlineData("25%", "25%", 1, 1, 0)]
    [InlineData("0", "0%", 3, 0, 1)]
    [InlineData("2", "1", 5, 2, 1)]
    [InlineData("50%", "33%", 7, 4, 2)]
    public void ResolveFenceposts_IntOrPercent_SurgeRoundsUpUnavailableDown(string surge, string unavailable, int desired, int expectedSurge, int expectedUnavailable)
    {
        var (s, u) = RolloutMath.ResolveFenceposts(IntOrPercent(surge), IntOrPercent(unavailable), desired);

        Assert.Equal((expectedSurge, expectedUnavailable), (s, u));
    }

    [Fact]
    public void Scaled_NotAPercentOrInteger_Throws()
    {
        Assert.Throws<FormatException>(() => RolloutMath.Scaled("lots", 10, roundUp: true));
    }

    [Fact]
    public void MaxUnavailable_MoreThanReplicasOrRecreate_IsCapped()
    {
        var d = Deployment(replicas: 2, surge: "0", unavailable: "5");

        Assert.Equal(2, RolloutMath.MaxUnavailable(d));
        d.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };
        Assert.Equal(0, RolloutMath.MaxUnavailable(d));
        Assert.Equal(0, RolloutMath.MaxSurge(d));
    }

    [Fact]
    public void NewReplicaSetReplicas_SurgeRoom_GrowsWithinMaxSurge()
    {
        var d = Deployment(replicas: 4, surge: "1", unavailable: "1");
        var old = Rs(4);
        var fresh = Rs(0);

        Assert.Equal(1, RolloutMath.NewReplicaSetReplicas(d, [old, fresh], fresh));
        Assert.Equal(1, RolloutMath.NewReplicaSetReplicas(d, [old, Rs(1)], Rs(1)));
        Assert.Equal(3, RolloutMath.NewReplicaSetReplicas(d, [Rs(2), Rs(1)], Rs(1)));
        Assert.Equal(4, RolloutMath.NewReplicaSetReplicas(d, [Rs(0), Rs(2)], Rs(2)));
    }

    private static IntOrString IntOrPercent(string text) => text.EndsWith('%') ? (IntOrString)text : (IntOrString)int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static V1ReplicaSet Rs(int replicas) => new() { Metadata = new V1ObjectMeta(), Spec = new V1ReplicaSetSpec { Replicas = replicas } };

    private static V1Deployment Deployment(int replicas, string surge, string unavailable) => new()
    {
        Metadata = new V1ObjectMeta { Name = "d" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Strategy = new V1DeploymentStrategy
            {
                Type = "RollingUpdate",
                RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = IntOrPercent(surge), MaxUnavailable = IntOrPercent(unavailable) },
            },
        },
    };
}
