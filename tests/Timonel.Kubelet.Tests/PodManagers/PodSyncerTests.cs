using k8s.Models;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>PodSyncer against an in-memory runtime: the actions it applies, seen as runtime calls and posted statuses.</summary>
public sealed class PodSyncerTests
{
    [Fact]
    public async Task SyncPodAsync_NewPod_CreatesSandboxAndStartsContainersThenPostsRunning()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always", "app", "sidecar"));

        await h.SyncAsync();

        Assert.Equal(["RunPodSandbox web/0", "PullImage docker.io/library/busybox:1.36", "CreateContainer app/0", "StartContainer app/0", "CreateContainer sidecar/0", "StartContainer sidecar/0"], h.Runtime.Calls);
        var status = Assert.Single(h.Posted);
        Assert.Equal("Running", status.Phase);
        Assert.Equal("10.88.0.1", status.PodIP);
        Assert.All(status.ContainerStatuses, s => Assert.NotNull(s.State.Running));
    }

    [Fact]
    public async Task SyncPodAsync_ContainerExitsWithAlways_RestartsAtOnceThenBacksOff()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always"));
        await h.SyncAsync();

        h.Runtime.ExitContainer(h.Newest("app").Id, 1);
        await h.SyncAsync();
        Assert.Equal(1u, h.Newest("app").Metadata.Attempt);
        Assert.Equal(Cri.V1.ContainerState.ContainerRunning, h.Newest("app").State);

        // A second crash within the backoff: no new instance, the status says CrashLoopBackOff.
        h.Runtime.ExitContainer(h.Newest("app").Id, 1);
        await h.SyncAsync();
        Assert.Equal(1u, h.Newest("app").Metadata.Attempt);
        var waiting = h.Posted[^1].ContainerStatuses[0].State.Waiting;
        Assert.Equal("CrashLoopBackOff", waiting?.Reason);
        Assert.Equal(1, h.Posted[^1].ContainerStatuses[0].RestartCount);

        h.Time.Advance(TimeSpan.FromSeconds(11));
        await h.SyncAsync();
        Assert.Equal(2u, h.Newest("app").Metadata.Attempt);
        Assert.Equal(Cri.V1.ContainerState.ContainerRunning, h.Newest("app").State);
    }

    [Theory]
    [InlineData("OnFailure", 0, false)]
    [InlineData("OnFailure", 1, true)]
    [InlineData("Never", 1, false)]
    [InlineData("Never", 0, false)]
    public async Task SyncPodAsync_ContainerExits_RestartedPerRestartPolicy(string policy, int exitCode, bool restarted)
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod(policy));
        await h.SyncAsync();

        h.Runtime.ExitContainer(h.Newest("app").Id, exitCode);
        await h.SyncAsync();

        Assert.Equal(restarted ? 2 : 1, h.Runtime.ContainersNamed("app").Count);
        var expectedPhase = restarted ? "Running" : exitCode == 0 ? "Succeeded" : "Failed";
        Assert.Equal(expectedPhase, h.Posted[^1].Phase);
    }

    [Fact]
    public async Task SyncPodAsync_SandboxDied_StopsItAndRecreatesWithNextAttempt()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always"));
        await h.SyncAsync();
        var first = (await h.Runtime.ListPodSandboxAsync(null, default))[0].Id;
        h.Runtime.Calls.Clear();

        h.Runtime.KillSandbox(first);
        await h.SyncAsync();

        Assert.Equal($"StopPodSandbox {first}", h.Runtime.Calls[0]);
        Assert.Equal("RunPodSandbox web/1", h.Runtime.Calls[1]);
        Assert.Contains("StartContainer app/1", h.Runtime.Calls);
        Assert.Equal("10.88.0.2", h.Posted[^1].PodIP);
        Assert.Equal("Running", h.Posted[^1].Phase);
    }

    [Fact]
    public async Task SyncPodAsync_ImageChanged_KillsAndRestartsOnlyThatContainer()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always", "app", "sidecar"));
        await h.SyncAsync();
        h.Runtime.Calls.Clear();

        // Unchanged spec: nothing happens (shows the next assertion can see a restart).
        await h.SyncAsync();
        Assert.Empty(h.Runtime.Calls);

        h.Pod.Spec.Containers[0].Image = "docker.io/library/busybox:1.37";
        await h.SyncAsync();

        Assert.Equal(["StopContainer app/0", "PullImage docker.io/library/busybox:1.37", "CreateContainer app/1", "StartContainer app/1"], h.Runtime.Calls);
        Assert.Equal("docker.io/library/busybox:1.37", h.Newest("app").Image.Image);
        Assert.Equal(0u, h.Newest("sidecar").Metadata.Attempt);
    }

    [Fact]
    public async Task SyncPodAsync_Unchanged_PostsStatusOnce()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always"));
        await h.SyncAsync();
        h.Time.Advance(TimeSpan.FromSeconds(5));

        await h.SyncAsync();
        await h.SyncAsync();

        Assert.Single(h.Posted);
    }
}
