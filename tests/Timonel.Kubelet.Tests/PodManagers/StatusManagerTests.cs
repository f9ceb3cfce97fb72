using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.PodManagers;

public sealed class StatusManagerTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly List<V1PodStatus> _posted = [];
    private readonly StatusManager _manager;

    public StatusManagerTests()
    {
        _manager = new StatusManager((_, status, _) =>
        {
            _posted.Add(status);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task SetPodStatusAsync_SameStatusTwice_PostsOnlyFirst()
    {
        var pod = PodSyncerHarness.NewPod();

        Assert.True(await _manager.SetPodStatusAsync(pod, Status("True", T0), default));
        Assert.False(await _manager.SetPodStatusAsync(pod, Status("True", T0), default));

        Assert.Single(_posted);
    }

    [Fact]
    public async Task SetPodStatusAsync_OnlyTransitionTimeDiffers_NotPosted()
    {
        var pod = PodSyncerHarness.NewPod();
        await _manager.SetPodStatusAsync(pod, Status("True", T0), default);

        Assert.False(await _manager.SetPodStatusAsync(pod, Status("True", T0.AddMinutes(1)), default));

        Assert.Single(_posted);
    }

    [Fact]
    public async Task SetPodStatusAsync_ConditionChanged_Posts()
    {
        var pod = PodSyncerHarness.NewPod();
        await _manager.SetPodStatusAsync(pod, Status("True", T0), default);

        Assert.True(await _manager.SetPodStatusAsync(pod, Status("False", T0), default));

        Assert.Equal(["True", "False"], _posted.Select(s => s.Conditions[0].Status));
    }

    [Fact]
    public async Task SetPodStatusAsync_ContainerRestartCountChanged_Posts()
    {
        var pod = PodSyncerHarness.NewPod();
        await _manager.SetPodStatusAsync(pod, Status("True", T0), default);
        var next = Status("True", T0);
        next.ContainerStatuses[0].RestartCount = 1;

        Assert.True(await _manager.SetPodStatusAsync(pod, next, default));
        Assert.Equal(2, _posted.Count);
    }

    [Fact]
    public async Task SetPodStatusAsync_PostFailed_PostsAgainNextTime()
    {
        var fail = true;
        var posts = 0;
        var manager = new StatusManager((_, _, _) =>
        {
            posts++;
            return fail ? throw new HttpRequestException("refused") : Task.CompletedTask;
        });
        var pod = PodSyncerHarness.NewPod();
        await Assert.ThrowsAsync<HttpRequestException>(() => manager.SetPodStatusAsync(pod, Status("True", T0), default));

        fail = false;
        Assert.True(await manager.SetPodStatusAsync(pod, Status("True", T0), default));
        Assert.Equal(2, posts);
    }

    [Fact]
    public async Task SetPodStatusAsync_AfterForget_PostsAgain()
    {
        var pod = PodSyncerHarness.NewPod();
        await _manager.SetPodStatusAsync(pod, Status("True", T0), default);

        _manager.Forget(pod.Metadata.Uid);

        Assert.True(await _manager.SetPodStatusAsync(pod, Status("True", T0), default));
        Assert.Equal(2, _posted.Count);
    }

    private static V1PodStatus Status(string ready, DateTime transition) => new()
    {
        Phase = "Running",
        PodIP = "10.88.0.1",
        Conditions = [new V1PodCondition { Type = "Ready", Status = ready, LastTransitionTime = transition }],
        ContainerStatuses =
        [
            new V1ContainerStatus { Name = "app", Image = "busybox", ImageID = "sha256:x", RestartCount = 0, State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = T0 } } },
        ],
    };
}
