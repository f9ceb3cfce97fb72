using k8s;
using k8s.Models;
using Timonel.Kubelet.Tests.Infrastructure;
using static Timonel.Kubelet.Tests.AgentPodTests;

namespace Timonel.Kubelet.Tests;

/// <summary>Restarts, probes, limits and agent restarts with real containers.</summary>
public sealed class AgentLifecycleTests : IClassFixture<AgentFixture>
{
    private readonly AgentFixture _f;

    public AgentLifecycleTests(AgentFixture fixture)
    {
        _f = fixture;
    }

    [RootFact]
    public async Task LivenessProbe_Failing_RestartsContainer()
    {
        var c = Container("app", "touch /tmp/alive && exec sleep 1000");
        c.LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["sh", "-c", "test -f /tmp/alive && rm /tmp/alive"] }, PeriodSeconds = 1, FailureThreshold = 1 };
        var pod = await _f.CreatePodAsync(Pod("live", c));

        pod = await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 1, "restartCount raised by liveness", TimeSpan.FromSeconds(40));

        var status = pod.Status.ContainerStatuses[0];
        Assert.NotNull(status.LastState?.Terminated);
    }

    [RootFact]
    public async Task MemoryLimit_Exceeded_ContainerOomKilled()
    {
        var c = Container("hog", "exec tail /dev/zero");
        c.Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("16Mi") } };
        var pod = Pod("oom", c);
        pod.Spec.RestartPolicy = "Never";
        pod = await _f.CreatePodAsync(pod);

        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Failed", "pod Failed", TimeSpan.FromSeconds(40));

        var terminated = pod.Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal("OOMKilled", terminated.Reason);
        Assert.Equal(137, terminated.ExitCode);
        Assert.Equal("Burstable", pod.Status.QosClass);
    }

    [RootFact]
    public async Task TwoContainers_SamePod_TalkOverLocalhost()
    {
        var server = Container("server", "mkdir -p /www && echo shared-net > /www/index.html && exec httpd -f -p 9090 -h /www");
        var client = Container("client", "until wget -q -O /tmp/got http://127.0.0.1:9090/; do sleep 0.2; done; exec sleep 1000");
        client.ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["grep", "-q", "shared-net", "/tmp/got"] }, PeriodSeconds = 1 };
        var pod = await _f.CreatePodAsync(Pod("pair", server, client));

        pod = await _f.WaitForPodAsync(pod, IsReady, "both containers ready", TimeSpan.FromSeconds(40));

        Assert.All(pod.Status.ContainerStatuses, s => Assert.True(s.Ready));
    }

    [RootFact]
    public async Task CrashingContainer_BacksOff()
    {
        var pod = await _f.CreatePodAsync(Pod("crash", Container("boom", "exit 3")));

        pod = await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "CrashLoopBackOff", "CrashLoopBackOff", TimeSpan.FromSeconds(40));

        var status = pod.Status.ContainerStatuses[0];
        Assert.Equal(3, status.LastState.Terminated.ExitCode);
        Assert.Equal("Error", status.LastState.Terminated.Reason);
        Assert.Equal("Running", pod.Status.Phase);
        Assert.False(IsReady(pod));
    }

    [RootFact]
    public async Task AgentRestart_RunningContainersKeepRunning()
    {
        var pod = await _f.CreatePodAsync(Pod("steady", Container("app", "exec sleep 1000")));
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running");
        var before = pod.Status.ContainerStatuses[0];

        await _f.RestartAgentAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));

        pod = await _f.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty);
        var after = pod.Status.ContainerStatuses[0];
        Assert.Equal(before.ContainerID, after.ContainerID);
        Assert.Equal(0, after.RestartCount);
        Assert.NotNull(after.State.Running);
        Assert.Equal(before.State.Running.StartedAt, after.State.Running.StartedAt);
    }

    [RootFact]
    public async Task MissingImage_ReportsErrImagePullThenBackOff()
    {
        var c = Container("ghost", "true");
        c.Image = "docker.io/library/does-not-exist:1";
        var pod = await _f.CreatePodAsync(Pod("ghost", c));

        await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason is "ErrImagePull" or "ImagePullBackOff", "image pull failure reported");
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff", "ImagePullBackOff");
        Assert.Equal("Pending", pod.Status.Phase);
    }

    [RootFact]
    public async Task Resources_CpuAndMemory_LandInCgroupFiles()
    {
        var c = Container("limited", "exec sleep 1000");
        c.Resources = new V1ResourceRequirements
        {
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("64Mi") },
        };
        var pod = await _f.CreatePodAsync(Pod("limits", c));
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running");
        Assert.Equal("Guaranteed", pod.Status.QosClass);

        var id = pod.Status.ContainerStatuses[0].ContainerID["containerd://".Length..];
        var cgroups = Runtime.CgroupLayout.Detect();
        var parent = cgroups.PodParent("Guaranteed", pod.Metadata.Uid);
        if (cgroups.Version == Runtime.CgroupVersion.V1)
        {
            Assert.Equal("67108864", File.ReadAllText($"/sys/fs/cgroup/memory{parent}/{id}/memory.limit_in_bytes").Trim());
            Assert.Equal("50000", File.ReadAllText($"/sys/fs/cgroup/cpu{parent}/{id}/cpu.cfs_quota_us").Trim());
            Assert.Equal("512", File.ReadAllText($"/sys/fs/cgroup/cpu{parent}/{id}/cpu.shares").Trim());
        }
        else
        {
            Assert.Equal("67108864", File.ReadAllText($"/sys/fs/cgroup{parent}/{id}/memory.max").Trim());
        }
    }

    [RootFact]
    public async Task Env_LiteralFieldAndConfigMap_ReachContainer()
    {
        var c = Container("env", "exec sleep 1000");
        var pod = Pod("env", c);
        pod = await _f.CreatePodAsync(pod);
        await _f.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" }, Data = new Dictionary<string, string> { ["color"] = "blue" } }, pod.Metadata.NamespaceProperty);
        await _f.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, new V1DeleteOptions { GracePeriodSeconds = 0 });

        var envPod = Pod("env2", Container("env", "echo \"$GREETING $POD_NAME $COLOR\" > /tmp/env && exec sleep 1000"));
        envPod.Spec.Containers[0].Env =
        [
            new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "GREETING", Value = "hi-$(POD_NAME)" },
            new V1EnvVar { Name = "COLOR", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "cfg", Key = "color" } } },
        ];
        envPod.Spec.Containers[0].ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["grep", "-qx", "hi-env2 env2 blue", "/tmp/env"] }, PeriodSeconds = 1 };
        envPod.Metadata.NamespaceProperty = pod.Metadata.NamespaceProperty;
        envPod.Spec.NodeName = _f.Options.NodeName;
        envPod = await _f.Client.CoreV1.CreateNamespacedPodAsync(envPod, pod.Metadata.NamespaceProperty);

        await _f.WaitForPodAsync(envPod, IsReady, "env visible in container");
    }
}
