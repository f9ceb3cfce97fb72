using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests.Images;

public sealed class ImageGcManagerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly FakeImageStore _store = new();
    private readonly InMemoryContainerRuntime _containers = new();
    private readonly List<(string Type, string Reason, string Message)> _events = [];

    private ImageGcManager Manager(ImageGcPolicy? policy = null, PinnedImages? pinned = null, string? usageFile = null) =>
        new(_store, _containers, pinned ?? new PinnedImages(null, "pause:1"), _store, policy ?? new ImageGcPolicy(), _time, NullLogger.Instance, (t, r, m) => _events.Add((t, r, m)), usageFile);

    /// <summary>Creates a container from the image (a sandbox for it first); returns the container id.</summary>
    private async Task<string> UseAsync(string image)
    {
        var sandboxConfig = new PodSandboxConfig { Metadata = new PodSandboxMetadata { Name = image, Namespace = "default", Uid = Guid.NewGuid().ToString() } };
        var sandbox = await _containers.RunPodSandboxAsync(sandboxConfig, CancellationToken.None);
        return await _containers.CreateContainerAsync(sandbox, new ContainerConfig { Metadata = new ContainerMetadata { Name = image }, Image = new ImageSpec { Image = image } }, sandboxConfig, CancellationToken.None);
    }

    [Fact]
    public async Task GarbageCollect_UsageAboveHigh_RemovesLeastRecentlyUsedDownToLow()
    {
        // 1000 bytes: six images of 50 and 600 bytes of other data, 90 % used. Low 80 % asks for 100 bytes back.
        _store.OtherBytes = 600;
        _store.Add("pause:1", 50);
        _store.Add("running:1", 50);
        _store.Add("was-used:1", 50);
        var running = await UseAsync("running:1");
        var wasUsed = await UseAsync("was-used:1");
        var gc = Manager();
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        _store.Add("old:1", 50);
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        _store.Add("mid:1", 50);
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        _store.Add("new:1", 50);
        _time.Advance(TimeSpan.FromMinutes(2));
        // was-used's container goes now: its last use (T0+5m) is later than old's and mid's first sight.
        await gc.DetectAsync(CancellationToken.None);
        await _containers.RemoveContainerAsync(wasUsed, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(90, (await _store.ImageFsAsync(CancellationToken.None)).UsagePercent);

        await gc.GarbageCollectAsync(CancellationToken.None);

        Assert.Equal(["old:1", "mid:1"], _store.Removed);
        Assert.Equal(80, (await _store.ImageFsAsync(CancellationToken.None)).UsagePercent);
        Assert.Empty(_events);
        Assert.NotNull(running);
    }

    [Fact]
    public async Task GarbageCollect_UsageBelowHigh_RemovesNothing()
    {
        _store.OtherBytes = 790;
        _store.Add("old:1", 50);
        var gc = Manager();
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));

        await gc.GarbageCollectAsync(CancellationToken.None);
        Assert.Empty(_store.Removed);

        // The same image goes once usage reaches the high threshold (84 % → 85 %).
        _store.OtherBytes = 800;
        await gc.GarbageCollectAsync(CancellationToken.None);
        Assert.Equal(["old:1"], _store.Removed);
    }

    [Fact]
    public async Task GarbageCollect_InUseAndPinned_NeverRemoved_FreeDiskSpaceFailedThenImageGcFailed()
    {
        _store.OtherBytes = 700;
        _store.Add("pause:1", 50);                       // pinned by name (the sandbox image)
        _store.Add("imported:1", 50);                    // pinned by the import record
        _store.Add("runtime-pinned:1", 50, runtimePinned: true);
        _store.Add("running:1", 50);
        _store.Add("exited:1", 50);
        _store.Add("free:1", 50);
        await UseAsync("running:1");
        var exited = await UseAsync("exited:1");
        await _containers.StartContainerAsync(exited, CancellationToken.None);
        _containers.ExitContainer(exited, 0);
        var record = Path.Combine(Directory.CreateTempSubdirectory("imagegc-").FullName, "imported.json");
        await File.WriteAllTextAsync(record, "{\"x.tar\":{\"Sha256\":\"ab\",\"Images\":[\"imported:1\"]}}");
        var gc = Manager(pinned: new PinnedImages(record, "pause:1"));
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.False(await gc.CollectAndReportAsync(CancellationToken.None));

        // Removal is seen (free:1), and nothing else went although 100 % is far above 80 %.
        Assert.Equal(["free:1"], _store.Removed);
        var failed = Assert.Single(_events);
        Assert.Equal(("Warning", "FreeDiskSpaceFailed"), (failed.Type, failed.Reason));
        Assert.Equal("Failed to garbage collect required amount of images. Attempted to free 200 bytes, but only found 50 bytes eligible to free.", failed.Message);

        // Failing again: upstream reports ImageGCFailed only for a repeated failure.
        Assert.False(await gc.CollectAndReportAsync(CancellationToken.None));
        Assert.Equal(["FreeDiskSpaceFailed", "FreeDiskSpaceFailed", "ImageGCFailed"], _events.Select(e => e.Reason));
        Assert.Equal(["free:1"], _store.Removed);
    }

    [Fact]
    public async Task GarbageCollect_ImageYoungerThanMinAge_KeptUntilOldEnough()
    {
        _store.OtherBytes = 900;
        _store.Add("young:1", 50);
        var gc = Manager(new ImageGcPolicy { MinAge = TimeSpan.FromMinutes(2) });
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(await gc.CollectAndReportAsync(CancellationToken.None));
        Assert.Empty(_store.Removed);

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await gc.CollectAndReportAsync(CancellationToken.None);
        Assert.Equal(["young:1"], _store.Removed);
    }

    [Fact]
    public async Task GarbageCollect_MaxAge_RemovesLongUnusedImagesBelowThreshold()
    {
        _store.Add("stale:1", 50);
        _store.Add("was-used:1", 50);
        _store.Add("running:1", 50);
        await UseAsync("running:1");
        var wasUsed = await UseAsync("was-used:1");
        var gc = Manager(new ImageGcPolicy { MaxAge = TimeSpan.FromHours(1) });
        await gc.DetectAsync(CancellationToken.None);
        await _containers.RemoveContainerAsync(wasUsed, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(50));
        _store.Add("recent:1", 50);
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.True((await _store.ImageFsAsync(CancellationToken.None)).UsagePercent < 85);

        await gc.GarbageCollectAsync(CancellationToken.None);

        // Unused for 61 minutes: stale (never used, seen at T0) and was-used (last used at T0).
        Assert.Equal(["stale:1", "was-used:1"], _store.Removed.Order(StringComparer.Ordinal));
        Assert.Empty(_events);
    }

    [Fact]
    public async Task GarbageCollect_MaxAgeOff_KeepsOldImagesBelowThreshold()
    {
        _store.Add("stale:1", 50);
        var gc = Manager(new ImageGcPolicy());
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(30));

        await gc.GarbageCollectAsync(CancellationToken.None);
        Assert.Empty(_store.Removed);
    }

    [Fact]
    public async Task DeleteUnusedImages_RemovesEveryUnusedUnpinnedOldEnoughImage()
    {
        _store.Add("pause:1", 50);
        _store.Add("running:1", 50);
        _store.Add("a:1", 50);
        _store.Add("b:1", 70);
        await UseAsync("running:1");
        var gc = Manager();
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(3));
        _store.Add("just-pulled:1", 50);

        Assert.Equal(120, await gc.DeleteUnusedImagesAsync(CancellationToken.None));
        Assert.Equal(["a:1", "b:1"], _store.Removed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Detect_KeepsRecordsInUsageFile_ForImagesLsAndRestarts()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("imagegc-").FullName, "image-usage.json");
        _store.Add("running:1", 50);
        _store.Add("idle:1", 50);
        await UseAsync("running:1");
        await Manager(usageFile: file).DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(7));

        // A restarted agent keeps the first detection time of an image it saw before.
        var records = (await Manager(usageFile: file).DetectAsync(CancellationToken.None)).ToDictionary(r => r.Tags[0]);
        Assert.Equal(T0, records["idle:1"].FirstDetected);
        Assert.Null(records["idle:1"].LastUsed);
        Assert.Equal(T0 + TimeSpan.FromMinutes(7), records["running:1"].LastUsed);
        var saved = await ImageUsageFile.ReadAsync(file, CancellationToken.None);
        Assert.Equal(2, saved.Count);
    }

    [Fact]
    public async Task GarbageCollect_ZeroCapacity_InvalidDiskCapacity()
    {
        _store.CapacityBytes = 0;
        var gc = Manager();
        await Assert.ThrowsAsync<ImageGcException>(() => gc.GarbageCollectAsync(CancellationToken.None));
        Assert.Equal("InvalidDiskCapacity", Assert.Single(_events).Reason);
    }

    [Theory]
    [InlineData(85, 80, 2, 0, null)]
    [InlineData(80, 80, 2, 0, "--image-gc-low-threshold 80 must be less than --image-gc-high-threshold 80")]
    [InlineData(101, 80, 2, 0, "--image-gc-high-threshold 101 must be between 0 and 100, inclusive")]
    [InlineData(85, -1, 2, 0, "--image-gc-low-threshold -1 must be between 0 and 100, inclusive")]
    [InlineData(85, 80, 2, 1, "--image-maximum-gc-age 1m0s must be greater than --image-minimum-gc-age 2m0s")]
    public void Validate_NamesTheFlag(int high, int low, int minMinutes, int maxMinutes, string? error)
    {
        var policy = new ImageGcPolicy { HighThresholdPercent = high, LowThresholdPercent = low, MinAge = TimeSpan.FromMinutes(minMinutes), MaxAge = TimeSpan.FromMinutes(maxMinutes) };
        var errors = policy.Validate();
        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(error, errors);
        }
    }
}
