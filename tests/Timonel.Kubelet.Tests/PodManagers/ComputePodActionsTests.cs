using k8s.Models;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>PodSyncer.ComputePodActions on hand-made runtime views: upstream's computePodActions decisions.</summary>
public sealed class ComputePodActionsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ComputePodActions_NewPod_CreatesSandboxAndStartsEveryContainer()
    {
        var pod = PodSyncerHarness.NewPod("Always", "app", "sidecar");

        var actions = Compute(pod, [], []);

        Assert.True(actions.CreateSandbox);
        Assert.False(actions.KillPod);
        Assert.Equal(0u, actions.Attempt);
        Assert.Equal(["app", "sidecar"], actions.ToStart.Select(a => a.Container.Name));
        Assert.Empty(actions.ToKill);
    }

    [Fact]
    public void ComputePodActions_NewPodWithInitContainers_StartsOnlyTheFirstInitContainer()
    {
        var pod = PodSyncerHarness.NewPod("Always", "app");
        pod.Spec.InitContainers = [new V1Container { Name = "init-a", Image = "i" }, new V1Container { Name = "init-b", Image = "i" }];

        var actions = Compute(pod, [], []);

        Assert.Equal(["init-a"], actions.ToStart.Select(a => a.Container.Name));
        Assert.True(actions.Containers.Single(a => a.Container.Name == "app").Blocked);
    }

    [Theory]
    [InlineData("Always", 0, true)]
    [InlineData("Always", 1, true)]
    [InlineData("OnFailure", 0, false)]
    [InlineData("OnFailure", 1, true)]
    [InlineData("Never", 0, false)]
    [InlineData("Never", 1, false)]
    public void ComputePodActions_ContainerExited_RestartsPerRestartPolicy(string policy, int exitCode, bool restart)
    {
        var pod = PodSyncerHarness.NewPod(policy, "app");

        var actions = Compute(pod, [ReadySandbox()], [Exited("app", exitCode)]);

        Assert.False(actions.CreateSandbox);
        Assert.Equal(restart, actions.ToStart.Any());
        Assert.Empty(actions.ToKill);
    }

    [Fact]
    public void ComputePodActions_Running_NothingToDo()
    {
        var pod = PodSyncerHarness.NewPod("Always", "app");

        var actions = Compute(pod, [ReadySandbox()], [Running("app", pod.Spec.Containers[0])]);

        Assert.Empty(actions.ToStart);
        Assert.Empty(actions.ToKill);
        Assert.True(actions.Containers.Single().Probed);
    }

    [Fact]
    public void ComputePodActions_SandboxDead_KillsPodAndRecreatesWithNextAttempt()
    {
        var pod = PodSyncerHarness.NewPod("Always", "app");
        var dead = ReadySandbox();
        dead.State = PodSandboxState.SandboxNotready;

        var actions = Compute(pod, [dead], [Running("app", pod.Spec.Containers[0])]);

        Assert.True(actions.KillPod);
        Assert.True(actions.CreateSandbox);
        Assert.Equal(1u, actions.Attempt);
        Assert.Equal(["app"], actions.ToStart.Select(a => a.Container.Name));
    }

    [Theory]
    [InlineData("OnFailure", 0)]
    [InlineData("Never", 1)]
    public void ComputePodActions_SandboxDeadAndPodFinished_NoNewSandbox(string policy, int exitCode)
    {
        var pod = PodSyncerHarness.NewPod(policy, "app");
        var dead = ReadySandbox();
        dead.State = PodSandboxState.SandboxNotready;

        var actions = Compute(pod, [dead], [Exited("app", exitCode)]);

        Assert.False(actions.CreateSandbox);
        Assert.False(actions.KillPod);
        Assert.Empty(actions.ToStart);
    }

    [Fact]
    public void ComputePodActions_ImageChanged_KillsAndRestartsThatContainer()
    {
        var pod = PodSyncerHarness.NewPod("Never", "app", "sidecar");
        var records = new[] { Running("app", pod.Spec.Containers[0]), Running("sidecar", pod.Spec.Containers[1]) };
        pod.Spec.Containers[0].Image = "docker.io/library/busybox:1.37";

        var actions = Compute(pod, [ReadySandbox()], records);

        var app = Assert.Single(actions.ToKill);
        Assert.Equal("app", app.Container.Name);
        Assert.Contains("definition changed", app.KillReason, StringComparison.Ordinal);
        Assert.Equal(["app"], actions.ToStart.Select(a => a.Container.Name));
    }

    [Theory]
    [InlineData("Always", true)]
    [InlineData("Never", false)]
    public void ComputePodActions_LivenessFailed_KillsAndRestartsUnlessNever(string policy, bool restart)
    {
        var pod = PodSyncerHarness.NewPod(policy, "app");

        var actions = PodSyncer.ComputePodActions(pod, [ReadySandbox()], Group(Running("app", pod.Spec.Containers[0])), false, true, (_, _) => "liveness failed", _ => false);

        // Upstream's Killing message: the probe's reason and what follows from the restart policy.
        Assert.Equal(restart ? "liveness failed, will be restarted" : "liveness failed, will not be restarted", Assert.Single(actions.ToKill).KillReason);
        Assert.Equal(restart, actions.ToStart.Any());
    }

    [Fact]
    public void ComputePodActions_VolumesNotReady_DoesNothing()
    {
        var pod = PodSyncerHarness.NewPod("Always", "app");

        var actions = PodSyncer.ComputePodActions(pod, [], new Dictionary<string, List<ContainerRecord>>(), terminal: false, volumesReady: false, (_, _) => null, _ => false);

        Assert.False(actions.CreateSandbox);
        Assert.Empty(actions.ToStart);
    }

    private static PodActions Compute(V1Pod pod, IReadOnlyList<PodSandbox> sandboxes, IEnumerable<ContainerRecord> records) =>
        PodSyncer.ComputePodActions(pod, sandboxes, Group([.. records]), terminal: false, volumesReady: true, (_, _) => null, _ => false);

    private static Dictionary<string, List<ContainerRecord>> Group(params ContainerRecord[] records) =>
        records.GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.ToList());

    private static PodSandbox ReadySandbox() => new() { Id = "s1", State = PodSandboxState.SandboxReady, Metadata = new PodSandboxMetadata { Name = "web", Attempt = 0 } };

    private static ContainerRecord Running(string name, V1Container spec) =>
        new($"{name}-0", name, 0, RecordState.Running, T0, T0, null, 0, string.Empty, string.Empty, spec.Image, "sha256:x") { SpecHash = ContainerSpecHash.Of(spec) };

    private static ContainerRecord Exited(string name, int exitCode) =>
        new($"{name}-0", name, 0, RecordState.Exited, T0, T0, T0.AddSeconds(1), exitCode, string.Empty, string.Empty, "i", "sha256:x");
}
