using Timonel.Api.Nodes;
using Xunit;

namespace Timonel.Api.Tests.Nodes;

public sealed class SimulatedUsageTests
{
    [Fact]
    public void Of_PodWideValues_ApplyToEveryContainer()
    {
        var annotations = new Dictionary<string, string> { [SimulatedUsage.Cpu] = "250m", [SimulatedUsage.Memory] = "64Mi" };

        Assert.Equal((0.25m, 67_108_864m), SimulatedUsage.Of(annotations, "any", out var invalid));
        Assert.Empty(invalid);
    }

    [Fact]
    public void Of_ContainerValue_WinsOverThePodWideOne()
    {
        var annotations = new Dictionary<string, string> { [SimulatedUsage.Cpu] = "250m", [SimulatedUsage.CpuFor("big")] = "2", [SimulatedUsage.MemoryFor("big")] = "1Gi" };

        Assert.Equal((2m, 1_073_741_824m), SimulatedUsage.Of(annotations, "big", out _));
        Assert.Equal((0.25m, 0m), SimulatedUsage.Of(annotations, "small", out _));
        Assert.Equal("timonel.dev/sim-cpu.big", SimulatedUsage.CpuFor("big"));
    }

    [Fact]
    public void Of_NoAnnotations_IsZero()
    {
        Assert.Equal((0m, 0m), SimulatedUsage.Of(null, "c", out var invalid));
        Assert.Empty(invalid);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData(" 1")]
    [InlineData("")]
    public void Of_InvalidQuantity_CountsAsAbsentAndIsNamed(string value)
    {
        var annotations = new Dictionary<string, string> { [SimulatedUsage.CpuFor("c")] = value, [SimulatedUsage.Cpu] = "100m" };

        Assert.Equal((0.1m, 0m), SimulatedUsage.Of(annotations, "c", out var invalid));
        Assert.Equal([SimulatedUsage.CpuFor("c")], invalid);
    }

    [Fact]
    public void Of_FractionalBytes_RoundUp()
    {
        Assert.Equal(2m, SimulatedUsage.Of(new Dictionary<string, string> { [SimulatedUsage.Memory] = "1500m" }, "c", out _).Bytes);
    }
}
