using Timonel.ApiServer.Metrics;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics;

public sealed class ResourceMetricsParserTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    private const string Kubelet = """
        # HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
        # TYPE container_cpu_usage_seconds_total counter
        container_cpu_usage_seconds_total{container="app",namespace="default",pod="web-1"} 12.5 1700000001000
        container_cpu_usage_seconds_total{container="side",namespace="default",pod="web-1"} 0.25 1700000001000
        container_memory_working_set_bytes{container="app",namespace="default",pod="web-1"} 1.048576e+07 1700000001000
        container_memory_working_set_bytes{container="side",namespace="default",pod="web-1"} 4096 1700000001000
        container_start_time_seconds{container="app",namespace="default",pod="web-1"} 1.7e+09 1700000001000
        node_cpu_usage_seconds_total 357.35 1700000002000
        node_memory_working_set_bytes 1.4e+09 1700000002000
        resource_scrape_error 0
        """;

    [Fact]
    public void Parse_KubeletText_ReadsNodeAndContainersWithTheirTimestamps()
    {
        var scrape = ResourceMetricsParser.Parse(Kubelet, Now);

        Assert.Equal(new CumulativeSample(357.35m, 1_400_000_000m, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_002_000)), scrape.Node);
        var web = scrape.Pods[new PodKey("default", "web-1")];
        Assert.Equal(new CumulativeSample(12.5m, 10_485_760m, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_001_000)), web["app"]);
        Assert.Equal(0.25m, web["side"].CpuSeconds);
    }

    [Fact]
    public void Parse_NoTimestamps_UsesTheScrapeTime()
    {
        var scrape = ResourceMetricsParser.Parse("node_cpu_usage_seconds_total 10\nnode_memory_working_set_bytes 20\n", Now);

        Assert.Equal(Now, scrape.Node!.Timestamp);
    }

    [Fact]
    public void Parse_IncompleteNodeOrContainer_LeavesThemOut()
    {
        var scrape = ResourceMetricsParser.Parse("""
            node_cpu_usage_seconds_total 10
            container_cpu_usage_seconds_total{container="a",namespace="ns",pod="p"} 1
            container_memory_working_set_bytes{container="a",namespace="ns",pod="p"} 5
            container_cpu_usage_seconds_total{container="b",namespace="ns",pod="p"} 1
            container_cpu_usage_seconds_total{container="c",namespace="ns",pod="q"} 1
            container_memory_working_set_bytes{container="c",namespace="ns",pod="q"} 7
            """, Now);

        Assert.Null(scrape.Node);
        Assert.Equal([new PodKey("ns", "q")], scrape.Pods.Keys);
    }

    [Theory]
    [InlineData("node_cpu_usage_seconds_total{ 12 oops")]
    [InlineData("node_cpu_usage_seconds_total twelve")]
    [InlineData("node_cpu_usage_seconds_total 12 1700000000000 extra")]
    [InlineData("node_cpu_usage_seconds_total 12 -5")]
    [InlineData("node_cpu_usage_seconds_total NaN")]
    [InlineData("node_memory_working_set_bytes -1")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a\",pod=\"p\"} 1")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a,namespace=\"n\",pod=\"p\"} 1")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a\" namespace=\"n\"} 1")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a\\q\",namespace=\"n\",pod=\"p\"} 1")]
    [InlineData("{container=\"a\"} 1")]
    [InlineData("9lives 1")]
    [InlineData("node_cpu_usage_seconds_total 1e400")]
    public void Parse_MalformedLine_ThrowsFormatExceptionNamingTheLine(string line)
    {
        var e = Assert.Throws<FormatException>(() => ResourceMetricsParser.Parse($"# TYPE x gauge\n{line}\n", Now));

        Assert.StartsWith("line 2:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OtherMetricsWithOddValues_AreIgnored()
    {
        var scrape = ResourceMetricsParser.Parse("scrape_error NaN\nsomething_else{le=\"+Inf\",path=\"a\\\"b\\\\c\\n\"} -3\nnode_cpu_usage_seconds_total 1\nnode_memory_working_set_bytes 2\n", Now);

        Assert.NotNull(scrape.Node);
    }
}
