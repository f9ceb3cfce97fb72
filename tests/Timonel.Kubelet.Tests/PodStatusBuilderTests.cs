using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests;

public sealed class PodStatusBuilderTests
{
    private static readonly DateTime Now = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Build_AllRunningAndReady_RunningWithReadyConditions()
    {
        var pod = Pod("Always", "a", "b");
        var views = new Dictionary<string, ContainerView> { ["a"] = Running("a", ready: true), ["b"] = Running("b", ready: true) };

        var status = PodStatusBuilder.Build(pod, views, "10.42.0.5", "10.0.0.1", Now, Now);

        Assert.Equal("Running", status.Phase);
        Assert.Equal("True", Condition(status, "Ready"));
        Assert.Equal("True", Condition(status, "ContainersReady"));
        Assert.Equal("True", Condition(status, "Initialized"));
        Assert.Equal("True", Condition(status, "PodScheduled"));
        Assert.Equal("10.42.0.5", status.PodIP);
        Assert.Equal("BestEffort", status.QosClass);
    }

    [Fact]
    public void Build_OneNotReady_RunningButNotReady()
    {
        var pod = Pod("Always", "a", "b");
        var views = new Dictionary<string, ContainerView> { ["a"] = Running("a", ready: true), ["b"] = Running("b", ready: false) };

        var status = PodStatusBuilder.Build(pod, views, "10.42.0.5", "10.0.0.1", Now, Now);

        Assert.Equal("Running", status.Phase);
        Assert.Equal("False", Condition(status, "Ready"));
        Assert.Contains("[b]", status.Conditions.Single(c => c.Type == "Ready").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Never", 0, "Succeeded", "Completed")]
    [InlineData("Never", 2, "Failed", "Error")]
    [InlineData("OnFailure", 0, "Succeeded", "Completed")]
    public void Build_ContainerExited_PhaseFollowsRestartPolicy(string policy, int exitCode, string phase, string reason)
    {
        var pod = Pod(policy, "a");
        var views = new Dictionary<string, ContainerView> { ["a"] = new(Exited("a", exitCode, string.Empty), null, null, null, false, false) };

        var status = PodStatusBuilder.Build(pod, views, "10.42.0.5", "10.0.0.1", Now, Now);

        Assert.Equal(phase, status.Phase);
        Assert.Equal(reason, status.ContainerStatuses[0].State.Terminated.Reason);
        Assert.Equal("False", Condition(status, "Ready"));
    }

    [Fact]
    public void Build_CrashLoop_WaitingWithLastStateAndRunningPhase()
    {
        var pod = Pod("Always", "a");
        var views = new Dictionary<string, ContainerView> { ["a"] = new(Exited("a", 1, "OOMKilled", restarts: 3), null, "CrashLoopBackOff", "back-off 40s", false, false) };

        var status = PodStatusBuilder.Build(pod, views, "10.42.0.5", "10.0.0.1", Now, Now);

        var container = status.ContainerStatuses[0];
        Assert.Equal("CrashLoopBackOff", container.State.Waiting.Reason);
        Assert.Equal("OOMKilled", container.LastState.Terminated.Reason);
        Assert.Equal(3, container.RestartCount);
        Assert.Equal("Running", status.Phase);
    }

    [Fact]
    public void Build_InitContainerRunning_PendingAndNotInitialized()
    {
        var pod = Pod("Always", "a");
        pod.Spec.InitContainers = [new V1Container { Name = "setup", Image = "busybox" }];
        var views = new Dictionary<string, ContainerView> { ["setup"] = Running("setup", ready: false) };

        var status = PodStatusBuilder.Build(pod, views, "10.42.0.5", "10.0.0.1", Now, Now);

        Assert.Equal("Pending", status.Phase);
        Assert.Equal("False", Condition(status, "Initialized"));
        Assert.Equal("PodInitializing", status.ContainerStatuses[0].State.Waiting.Reason);
    }

    [Fact]
    public void Build_ImagePullFailure_PendingWithReason()
    {
        var pod = Pod("Always", "a");
        var views = new Dictionary<string, ContainerView> { ["a"] = new(null, null, "ErrImagePull", "no registry", false, false) };

        var status = PodStatusBuilder.Build(pod, views, null, "10.0.0.1", Now, Now);

        Assert.Equal("Pending", status.Phase);
        Assert.Equal("ErrImagePull", status.ContainerStatuses[0].State.Waiting.Reason);
        Assert.Null(status.PodIPs);
    }

    [Fact]
    public void Build_UnchangedCondition_KeepsTransitionTime()
    {
        var pod = Pod("Always", "a");
        var earlier = Now.AddMinutes(-5);
        pod.Status = new V1PodStatus { Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = earlier }] };
        var views = new Dictionary<string, ContainerView> { ["a"] = Running("a", ready: true) };

        var status = PodStatusBuilder.Build(pod, views, "10.42.0.5", "10.0.0.1", Now, Now);

        Assert.Equal(earlier, status.Conditions.Single(c => c.Type == "Ready").LastTransitionTime);
        Assert.Equal(Now, status.Conditions.Single(c => c.Type == "ContainersReady").LastTransitionTime);
    }

    private static string Condition(V1PodStatus status, string type) => status.Conditions.Single(c => c.Type == type).Status;

    private static V1Pod Pod(string policy, params string[] names) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default", Uid = "u1" },
        Spec = new V1PodSpec { RestartPolicy = policy, Containers = [.. names.Select(n => new V1Container { Name = n, Image = "busybox" })] },
    };

    private static ContainerView Running(string name, bool ready) =>
        new(new ContainerRecord("id-" + name, name, 0, RecordState.Running, Now, Now, null, 0, string.Empty, string.Empty, "busybox", "sha256:1"), null, null, null, ready, true);

    private static ContainerRecord Exited(string name, int code, string reason, int restarts = 0) =>
        new("id-" + name, name, restarts, RecordState.Exited, Now, Now, Now, code, reason, string.Empty, "busybox", "sha256:1");
}
