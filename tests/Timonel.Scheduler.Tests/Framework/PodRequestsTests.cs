using k8s.Models;
using Timonel.Scheduler.Framework;
using Xunit;

namespace Timonel.Scheduler.Tests.Framework;

public class PodRequestsTests
{
    private static V1Container C(string cpu, string? restart = null) => new()
    {
        Name = "c" + cpu,
        RestartPolicy = restart,
        Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } },
    };

    public static TheoryData<string, V1PodSpec, long> Cases => new()
    {
        { "app containers sum", new V1PodSpec { Containers = [C("100m"), C("200m")] }, 300 },
        { "init larger than apps", new V1PodSpec { Containers = [C("100m")], InitContainers = [C("500m")] }, 500 },
        { "apps larger than init", new V1PodSpec { Containers = [C("1")], InitContainers = [C("500m")] }, 1000 },
        { "sidecar adds to apps", new V1PodSpec { Containers = [C("100m")], InitContainers = [C("200m", "Always")] }, 300 },
        { "init after sidecar counts both", new V1PodSpec { Containers = [C("100m")], InitContainers = [C("200m", "Always"), C("1")] }, 1200 },
        { "overhead added", new V1PodSpec { Containers = [C("100m")], Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("50m") } }, 150 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compute_Spec_MilliCpu(string name, V1PodSpec spec, long expected)
    {
        Assert.True(name.Length > 0);
        Assert.Equal(expected, PodRequests.Compute(spec, nonZero: false).MilliCpu);
    }

    [Fact]
    public void Compute_NonZero_DefaultsMissingCpuAndMemory()
    {
        var r = PodRequests.Compute(new V1PodSpec { Containers = [new V1Container { Name = "c" }] }, nonZero: true);

        Assert.Equal(PodRequests.DefaultMilliCpuRequest, r.MilliCpu);
        Assert.Equal(PodRequests.DefaultMemoryRequest, r.Memory);
    }

    [Fact]
    public void Compute_ExtendedResource_CountedAsScalar()
    {
        var spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["example.com/gpu"] = new("2") } } }] };

        Assert.Equal(2, PodRequests.Compute(spec, nonZero: false).Scalar("example.com/gpu"));
    }

    /// <summary>A pod whose container c100m asks for <paramref name="desired"/> while running with <paramref name="running"/>.</summary>
    private static V1Pod Resizing(string desired, string running, string? pendingReason = null) => new()
    {
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Resources = C(desired).Resources }] },
        Status = new V1PodStatus
        {
            ContainerStatuses = [new V1ContainerStatus { Name = "app", Resources = C(running).Resources }],
            Conditions = pendingReason is null ? null : [new V1PodCondition { Type = "PodResizePending", Status = "True", Reason = pendingReason }],
        },
    };

    [Theory]
    [InlineData("500m", "200m", null, 500)]
    [InlineData("200m", "500m", null, 500)]
    [InlineData("200m", "500m", "Deferred", 500)]
    [InlineData("2", "500m", "Infeasible", 500)]
    public void Compute_PodResizedInPlace_CountsLargerOfSpecAndRunningUnlessInfeasible(string desired, string running, string? pending, long expected)
    {
        Assert.Equal(expected, PodRequests.Compute(Resizing(desired, running, pending), nonZero: false).MilliCpu);
    }

    [Fact]
    public void Compute_PodWithoutStatusResources_CountsSpec()
    {
        var pod = Resizing("300m", "100m");
        pod.Status.ContainerStatuses[0].Resources = null;

        Assert.Equal(300, PodRequests.Compute(pod, nonZero: false).MilliCpu);
    }
}
