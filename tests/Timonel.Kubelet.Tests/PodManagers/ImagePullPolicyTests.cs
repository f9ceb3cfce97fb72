using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>imagePullPolicy as upstream, with pinned (imported) images and the node's override.</summary>
public sealed class ImagePullPolicyTests
{
    private const string Latest = "docker.io/library/busybox:latest";

    private static PodSyncerHarness Harness(string image, string? policy, string? nodeOverride = null, PinnedImages? pinned = null)
    {
        var pod = PodSyncerHarness.NewPod("Always");
        pod.Spec.Containers[0].Image = image;
        pod.Spec.Containers[0].ImagePullPolicy = policy;
        return new PodSyncerHarness(pod, nodeOverride, pinned);
    }

    [Fact]
    public async Task Always_PresentUnpinnedAndPullFails_ErrImagePullThenImagePullBackOff()
    {
        // No policy and no tag: Always, as upstream defaults it.
        await using var h = Harness("busybox", policy: null);
        h.Runtime.AddImage(Latest);
        h.Runtime.MissingImages.Add(Latest);

        await h.SyncAsync();
        Assert.Equal("ErrImagePull", h.Posted[^1].ContainerStatuses[0].State.Waiting?.Reason);
        await h.SyncAsync();
        Assert.Equal("ImagePullBackOff", h.Posted[^1].ContainerStatuses[0].State.Waiting?.Reason);

        Assert.Empty(h.Runtime.ContainersNamed("app"));
        var texts = await h.EventTextsAsync();
        Assert.Contains("Pulling: Pulling image \"busybox\"", texts);
        Assert.Contains("Failed: Error: ErrImagePull", texts);
        Assert.Contains("Failed: Error: ImagePullBackOff", texts);

        // Past the backoff it pulls again; the registry answers now and the container runs.
        h.Runtime.MissingImages.Clear();
        h.Time.Advance(TimeSpan.FromSeconds(11));
        await h.SyncAsync();
        Assert.Contains("PullImage " + Latest, h.Runtime.Calls);
        Assert.NotNull(h.Posted[^1].ContainerStatuses[0].State.Running);
    }

    [Fact]
    public async Task Always_PresentAndPullSucceeds_PulledEvenThoughPresent()
    {
        await using var h = Harness("docker.io/library/busybox:1.36", "Always");
        h.Runtime.AddImage("docker.io/library/busybox:1.36");

        await h.SyncAsync();

        Assert.Contains("PullImage docker.io/library/busybox:1.36", h.Runtime.Calls);
        Assert.Contains(await h.EventTextsAsync(), t => t.StartsWith("Pulled: Successfully pulled image", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Always_PinnedPresent_RunsWithoutPull(bool pinnedByImport, bool pinnedByRuntime)
    {
        var pinned = new PinnedImages(null, pinnedByImport ? ["busybox"] : []);
        await using var h = Harness("busybox", policy: null, pinned: pinned);
        h.Runtime.AddImage(Latest, pinned: pinnedByRuntime);
        h.Runtime.MissingImages.Add(Latest);

        await h.SyncAsync();

        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("PullImage", StringComparison.Ordinal));
        Assert.NotNull(h.Posted[^1].ContainerStatuses[0].State.Running);
        Assert.Contains("Pulled: Container image \"busybox\" already present on machine", await h.EventTextsAsync());
    }

    [Fact]
    public async Task Always_PinnedButAbsent_Pulls()
    {
        await using var h = Harness("busybox", policy: null, pinned: new PinnedImages(null, "busybox"));

        await h.SyncAsync();

        Assert.Contains("PullImage " + Latest, h.Runtime.Calls);
    }

    [Fact]
    public async Task IfNotPresent_Present_NoPull()
    {
        await using var h = Harness("docker.io/library/busybox:1.36", "IfNotPresent");
        h.Runtime.AddImage("docker.io/library/busybox:1.36");

        await h.SyncAsync();

        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("PullImage", StringComparison.Ordinal));
        Assert.Equal(["Pulled: Container image \"docker.io/library/busybox:1.36\" already present on machine", "Created: Created container: app", "Started: Started container app"], await h.EventTextsAsync());
    }

    [Fact]
    public async Task Never_Absent_ErrImageNeverPull()
    {
        await using var h = Harness("docker.io/library/busybox:1.36", "Never");

        await h.SyncAsync();

        var waiting = h.Posted[^1].ContainerStatuses[0].State.Waiting;
        Assert.Equal(("ErrImageNeverPull", "Container image \"docker.io/library/busybox:1.36\" is not present with pull policy of Never"), (waiting?.Reason, waiting?.Message));
        Assert.Equal(
            ["ErrImageNeverPull: Container image \"docker.io/library/busybox:1.36\" is not present with pull policy of Never", "Failed: Error: ErrImageNeverPull"],
            await h.EventTextsAsync());
        Assert.Equal(["Warning", "Warning"], (await h.EventsAsync()).Select(e => e.Type));
        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("PullImage", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("IfNotPresent", true)]
    [InlineData("Never", true)]
    [InlineData("Never", false)]
    public async Task NodeOverride_WinsOverAlways(string nodeOverride, bool present)
    {
        await using var h = Harness("busybox", "Always", nodeOverride);
        if (present)
        {
            h.Runtime.AddImage(Latest);
        }

        h.Runtime.MissingImages.Add(Latest);

        await h.SyncAsync();

        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("PullImage", StringComparison.Ordinal));
        var state = h.Posted[^1].ContainerStatuses[0].State;
        Assert.Equal(present ? null : "ErrImageNeverPull", state.Waiting?.Reason);
    }

    [Fact]
    public async Task NodeOverride_IfNotPresentAndAbsent_Pulls()
    {
        await using var h = Harness("busybox", "Never", "IfNotPresent");

        await h.SyncAsync();

        Assert.Contains("PullImage " + Latest, h.Runtime.Calls);
    }
}
