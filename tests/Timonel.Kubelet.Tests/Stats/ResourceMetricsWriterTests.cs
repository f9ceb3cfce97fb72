using Timonel.Kubelet.Stats;

namespace Timonel.Kubelet.Tests.Stats;

public sealed class ResourceMetricsWriterTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
    private static readonly DateTimeOffset Started = DateTimeOffset.FromUnixTimeMilliseconds(1_699_999_000_500);

    [Fact]
    public void Write_OnePodOneContainer_UpstreamFamiliesInNameOrder()
    {
        var text = ResourceMetricsWriter.Write(Snapshot("app", "default", "web"));

        Assert.Equal(
            """
            # HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
            # TYPE container_cpu_usage_seconds_total counter
            container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 1.5 1700000000123
            # HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
            # TYPE container_memory_working_set_bytes gauge
            container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 123456789 1700000000123
            # HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
            # TYPE container_start_time_seconds gauge
            container_start_time_seconds{container="app",namespace="default",pod="web"} 1699999000.5 1699999000500
            # HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
            # TYPE node_cpu_usage_seconds_total counter
            node_cpu_usage_seconds_total 3600.25 1700000000123
            # HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
            # TYPE node_memory_working_set_bytes gauge
            node_memory_working_set_bytes 2147483648 1700000000123
            # HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
            # TYPE pod_cpu_usage_seconds_total counter
            pod_cpu_usage_seconds_total{namespace="default",pod="web"} 1.5 1700000000123
            # HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
            # TYPE pod_memory_working_set_bytes gauge
            pod_memory_working_set_bytes{namespace="default",pod="web"} 123456789 1700000000123
            # HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise
            # TYPE scrape_error gauge
            scrape_error 0

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void Write_LabelWithQuoteBackslashAndNewline_Escaped()
    {
        var text = ResourceMetricsWriter.Write(Snapshot("c\"1\\x\ny", "ns", "p"));

        Assert.Contains("container_cpu_usage_seconds_total{container=\"c\\\"1\\\\x\\ny\",namespace=\"ns\",pod=\"p\"} 1.5 1700000000123\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\ny\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NoPods_NodeOnlyAndNoEmptyFamilies()
    {
        var full = Snapshot("app", "default", "web");
        var text = ResourceMetricsWriter.Write(full with { Pods = [] });

        Assert.Contains("node_cpu_usage_seconds_total 3600.25 1700000000123\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("container_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pod_", text, StringComparison.Ordinal);
        Assert.EndsWith("scrape_error 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_CollectionFailed_OnlyScrapeErrorOne()
    {
        var text = ResourceMetricsWriter.Write(null);

        Assert.Equal("# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE scrape_error gauge\nscrape_error 1\n", text);
    }

    private static UsageSnapshot Snapshot(string container, string ns, string pod)
    {
        var cpu = new CpuReading(At, 1_500_000_000);
        var memory = new MemoryReading(At, 200_000_000, 123_456_789, 100_000_000);
        var c = new ContainerUsage(container, "c1", Started, cpu, memory);
        var node = new NodeUsage(Started, new CpuReading(At, 3_600_250_000_000), new MemoryReading(At, 3UL << 30, 2UL << 30, 1UL << 30, 6UL << 30));
        return new UsageSnapshot("node-1", node, [new PodUsage(ns, pod, "uid-1", Started, [c], cpu, memory)]);
    }
}
