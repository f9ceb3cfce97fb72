using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests.Images;

/// <summary>The decision behind --image-pull-progress-deadline, from successive looks at containerd's ingests.</summary>
public sealed class PullProgressTrackerTests
{
    private const string Layer = "layer-sha256:ba9d2b5be7fe39294c64eefc409e62fca2e25c2a53d79d9830a0e445ec36308c";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void DownloadStuckForTheDeadline_StallNamesTheLayerAndWhereItStopped()
    {
        var tracker = new PullProgressTracker(Deadline, [], Start);
        var stuck = Ingest(Layer, 2_097_152, 10_143_027, Start.AddSeconds(1));

        Assert.Null(tracker.Observe([stuck], Start.AddSeconds(1)));
        Assert.Null(tracker.Observe([stuck], Start.AddSeconds(10.9)));
        var stall = tracker.Observe([stuck], Start.AddSeconds(11));

        Assert.NotNull(stall);
        Assert.Equal(Deadline, stall.Deadline);
        Assert.Equal("layer sha256:ba9d2b5be7fe39294c64eefc409e62fca2e25c2a53d79d9830a0e445ec36308c stuck at 2097152 of 10143027 bytes", stall.Describe());
    }

    [Fact]
    public void BytesKeepArriving_NeverStalls()
    {
        var tracker = new PullProgressTracker(Deadline, [], Start);
        // The same looks without the bytes stall (the test above): here each look sees more.
        for (var second = 1; second <= 60; second++)
        {
            Assert.Null(tracker.Observe([Ingest(Layer, second * 1000L, 10_143_027, Start.AddSeconds(second))], Start.AddSeconds(second * 5)));
        }
    }

    [Fact]
    public void NoDownloadUnderWay_DeadlineDoesNotRun_ThenRunsFromTheStall()
    {
        var tracker = new PullProgressTracker(Deadline, [], Start);

        // Resolving the manifest, or unpacking a big image: nothing to wait for.
        Assert.Null(tracker.Observe([], Start.AddMinutes(5)));

        var stuck = Ingest(Layer, 0, 10_143_027, Start.AddMinutes(5));
        Assert.Null(tracker.Observe([stuck], Start.AddMinutes(5).AddSeconds(1)));
        Assert.Null(tracker.Observe([stuck], Start.AddMinutes(5).AddSeconds(10)));
        Assert.NotNull(tracker.Observe([stuck], Start.AddMinutes(5).AddSeconds(11)));
    }

    [Fact]
    public void DownloadLeftBehindBeforeThePull_IsNotItsOwn_UntilItMovesAgain()
    {
        var leftover = Ingest("layer-sha256:0000000000000000000000000000000000000000000000000000000000000001", 5_000, 9_000, Start.AddHours(-1));
        var tracker = new PullProgressTracker(Deadline, [leftover], Start);

        // Untouched for the whole pull: another pull's leftover, never blamed on this one.
        Assert.Null(tracker.Observe([leftover], Start.AddSeconds(30)));
        Assert.Null(tracker.Observe([leftover], Start.AddSeconds(60)));
        Assert.Empty(tracker.Current);

        // Resumed by this pull (more bytes, a newer update), then stuck: now it is this pull's.
        var resumed = leftover with { Offset = 6_000, UpdatedAt = Start.AddSeconds(61) };
        Assert.Null(tracker.Observe([resumed], Start.AddSeconds(61)));
        Assert.Single(tracker.Current);
        Assert.NotNull(tracker.Observe([resumed], Start.AddSeconds(71)));
    }

    [Fact]
    public void ADownloadFinishing_IsProgressEvenWhenAnotherStands()
    {
        var tracker = new PullProgressTracker(Deadline, [], Start);
        var standing = Ingest(Layer, 100, 1_000, Start.AddSeconds(1));
        var config = Ingest("config-sha256:0000000000000000000000000000000000000000000000000000000000000002", 10, 300, Start.AddSeconds(1));

        Assert.Null(tracker.Observe([standing, config], Start.AddSeconds(1)));
        Assert.Null(tracker.Observe([standing], Start.AddSeconds(9)));
        Assert.Null(tracker.Observe([standing], Start.AddSeconds(18)));
        Assert.NotNull(tracker.Observe([standing], Start.AddSeconds(19)));
    }

    [Fact]
    public void RuntimeDidNotAnswer_WaitStartsOver()
    {
        var tracker = new PullProgressTracker(Deadline, [], Start);
        var stuck = Ingest(Layer, 1, 10, Start);
        Assert.Null(tracker.Observe([stuck], Start.AddSeconds(1)));

        tracker.Unknown(Start.AddSeconds(9));

        Assert.Null(tracker.Observe([stuck], Start.AddSeconds(18)));
        Assert.NotNull(tracker.Observe([stuck], Start.AddSeconds(19)));
    }

    private static IngestStatus Ingest(string reference, long offset, long total, DateTimeOffset updated) => new(reference, offset, total, updated);
}
