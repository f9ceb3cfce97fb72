using k8s;
using k8s.Models;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests.Volumes;

/// <summary>emptyDir sizeLimit on a real agent: a disk emptyDir grown past it evicts the pod; a Memory one is a tmpfs of that size.</summary>
public sealed class EmptyDirSizeLimitTests : IClassFixture<AgentFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly AgentFixture _f;

    public EmptyDirSizeLimitTests(AgentFixture fixture)
    {
        _f = fixture;
    }

    [RootFact]
    public async Task DiskEmptyDir_WrittenPastSizeLimit_PodFailedEvictedWithEvent()
    {
        var container = AgentPodTests.Container("writer", "dd if=/dev/urandom of=/scratch/big bs=1024 count=3072 && exec sleep 1000");
        container.VolumeMounts = [new V1VolumeMount { Name = "scratch", MountPath = "/scratch" }];
        var pod = AgentPodTests.Pod("dd-past-limit", container);
        pod.Spec.Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Mi") } }];
        pod = await _f.CreatePodAsync(pod);

        // The check runs every 10 s (upstream's eviction monitoring period).
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Failed", "pod Failed by eviction", Wait);

        const string Expected = "Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ";
        Assert.Equal("Evicted", pod.Status.Reason);
        Assert.Equal(Expected, pod.Status.Message);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "DisruptionTarget" && c.Status == "True" && c.Reason == "TerminationByKubelet");
        Assert.Contains(pod.Status.Conditions, c => c.Type == "Ready" && c.Status == "False");
        Assert.NotNull(pod.Status.ContainerStatuses.Single().State.Terminated);
        var events = await Eventually.WaitAsync(async ct =>
        {
            var list = await _f.Client.CoreV1.ListNamespacedEventAsync(pod.Metadata.NamespaceProperty, cancellationToken: ct);
            return list.Items.FirstOrDefault(e => e.InvolvedObject.Name == pod.Metadata.Name && e.Reason == "Evicted");
        }, Wait, "Evicted event");
        Assert.Equal("Warning", events.Type);
        Assert.Equal(Expected, events.Message);

        // Nothing of the pod runs any more, and the kubelet does not start it again.
        var filter = new ContainerFilter();
        filter.LabelSelector[Pods.CriLabels.PodUid] = pod.Metadata.Uid;
        await Eventually.WaitAsync(async ct =>
        {
            var containers = await _f.Agent.Cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, cancellationToken: ct);
            return containers.Containers.All(c => c.State != ContainerState.ContainerRunning);
        }, Wait, "containers stopped");
        await Task.Delay(TimeSpan.FromSeconds(3));
        pod = await _f.ReadAsync(pod);
        Assert.Equal("Failed", pod.Status.Phase);
        Assert.Equal(0, pod.Status.ContainerStatuses.Single().RestartCount);
    }

    [RootFact]
    public async Task DiskEmptyDir_UnderSizeLimit_KeepsRunning()
    {
        var container = AgentPodTests.Container("writer", "dd if=/dev/urandom of=/scratch/small bs=1024 count=256 && exec sleep 1000");
        container.VolumeMounts = [new V1VolumeMount { Name = "scratch", MountPath = "/scratch" }];
        var pod = AgentPodTests.Pod("dd-under-limit", container);
        pod.Spec.Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("4Mi") } }];
        pod = await _f.CreatePodAsync(pod);
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running", Wait);

        // Longer than one check period (10 s): the pod is measured at least once and stays.
        await Task.Delay(TimeSpan.FromSeconds(12));

        pod = await _f.ReadAsync(pod);
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Null(pod.Status.Reason);
    }

    [RootFact]
    public async Task MemoryEmptyDir_SizeLimit_TmpfsOfThatSizeRefusesMore()
    {
        var container = AgentPodTests.Container("main", "exec sleep 1000");
        container.VolumeMounts = [new V1VolumeMount { Name = "mem", MountPath = "/mem" }];
        var pod = AgentPodTests.Pod("tmpfs-limit", container);
        pod.Spec.Volumes = [new V1Volume { Name = "mem", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("8Mi") } }];
        pod = await _f.CreatePodAsync(pod);
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running", Wait);

        var df = await ExecAsync(pod, "df -k /mem | tail -n 1");
        Assert.Equal(["tmpfs", "8192"], df.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
        var dd = await ExecAsync(pod, "dd if=/dev/zero of=/mem/big bs=1024 count=10240");
        Assert.NotEqual(0, dd.ExitCode);
        Assert.Contains("No space left on device", dd.Stderr, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(V1Pod pod, string script)
    {
        var current = await _f.ReadAsync(pod);
        var id = current.Status.ContainerStatuses.Single().ContainerID["containerd://".Length..];
        var result = await _f.Agent.Cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sh", "-c", script }, Timeout = 10 });
        return (result.ExitCode, result.Stdout.ToStringUtf8(), result.Stderr.ToStringUtf8());
    }
}
