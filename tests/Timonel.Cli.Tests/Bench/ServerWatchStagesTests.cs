using Timonel.Cli.Bench;
using Xunit;

namespace Timonel.Cli.Tests.Bench;

public sealed class ServerWatchStagesTests
{
    private const string Before = """
        # TYPE timonel_watch_event_stage_seconds histogram
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="0.001"} 10
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="0.01"} 10
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="0.1"} 10
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="+Inf"} 10
        timonel_watch_event_stage_seconds_count{stage="flushed"} 10
        apiserver_request_total{code="200",resource="configmaps",verb="GET"} 3
        """;

    private const string After = """
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="0.001"} 10
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="0.01"} 60
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="0.1"} 109
        timonel_watch_event_stage_seconds_bucket{stage="flushed",le="+Inf"} 110
        """;

    [Fact]
    public void OnlyTheSamplesSinceTheFirstScrapeCount()
    {
        var since = ServerWatchStages.Parse(After).Since(ServerWatchStages.Parse(Before));

        Assert.Equal(["flushed"], since.Stages);
        Assert.Equal(100, since.Count("flushed"));
        // Half of the 100 new samples are in (1, 10] ms: the median is that bucket's top.
        Assert.Equal(10, since.PercentileMs("flushed", 50), 6);
        // The 99th falls in (10, 100] ms: interpolated, 49 of its 49 samples → its top.
        Assert.Equal(100, since.PercentileMs("flushed", 99), 6);
        // One sample above the last finite bucket: reported as that bound, the most a histogram can say.
        Assert.Equal(100, since.PercentileMs("flushed", 100), 6);
    }

    [Fact]
    public void AServerWithoutTheHistogramHasNoStages()
    {
        var parsed = ServerWatchStages.Parse("apiserver_request_total{code=\"200\",resource=\"pods\",verb=\"GET\"} 1\n");
        Assert.Empty(parsed.Stages);
        Assert.True(double.IsNaN(parsed.PercentileMs("flushed", 99)));
    }
}
