using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Stats;

namespace Timonel.Kubelet.Tests.Stats;

public sealed class StatsCollectorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryContainerRuntime _runtime;
    private readonly FakeNodeUsage _node;
    private readonly StatsCollector _collector;

    public StatsCollectorTests()
    {
        _runtime = new InMemoryContainerRuntime(_time);
        _node = new FakeNodeUsage(_time);
        _collector = new StatsCollector("node-1", _runtime, _node);
    }

    [Fact]
    public async Task CollectAsync_TwoSamplesTenSecondsApart_RateIsDeltaOverTime()
    {
        var ids = await FakeRuntimePods.RunAsync(_runtime, "ns", "web", "app");
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(2_000_000_000, 1000));

        var first = await _collector.CollectAsync(withRates: true, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(7_000_000_000, 1000));
        _node.CpuCoreNanoSeconds += 15_000_000_000;
        var second = await _collector.CollectAsync(withRates: true, CancellationToken.None);

        Assert.Null(first.Pods.Single().Containers.Single().Cpu.UsageNanoCores);
        Assert.Null(first.Node.Cpu.UsageNanoCores);
        var container = second.Pods.Single().Containers.Single();
        Assert.Equal(7_000_000_000UL, container.Cpu.UsageCoreNanoSeconds);
        Assert.Equal(500_000_000UL, container.Cpu.UsageNanoCores);
        Assert.Equal(500_000_000UL, second.Pods.Single().Cpu.UsageNanoCores);
        Assert.Equal(1_500_000_000UL, second.Node.Cpu.UsageNanoCores);
    }

    [Fact]
    public async Task CollectAsync_CounterWentBackwards_NoRateThenRateAgain()
    {
        var ids = await FakeRuntimePods.RunAsync(_runtime, "ns", "web", "app");
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(9_000_000_000, 1));
        await _collector.CollectAsync(withRates: true, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(1_000_000_000, 1));

        var reset = await _collector.CollectAsync(withRates: true, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(2_000_000_000, 1));
        var after = await _collector.CollectAsync(withRates: true, CancellationToken.None);

        Assert.Null(reset.Pods.Single().Containers.Single().Cpu.UsageNanoCores);
        Assert.Equal(100_000_000UL, after.Pods.Single().Containers.Single().Cpu.UsageNanoCores);
    }

    [Fact]
    public async Task CollectAsync_WithoutRates_DoesNotMoveTheBaseline()
    {
        var ids = await FakeRuntimePods.RunAsync(_runtime, "ns", "web", "app");
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(1_000_000_000, 1));
        await _collector.CollectAsync(withRates: true, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(3_000_000_000, 1));
        var metricsScrape = await _collector.CollectAsync(withRates: false, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(4_000_000_000, 1));

        var summary = await _collector.CollectAsync(withRates: true, CancellationToken.None);

        Assert.Null(metricsScrape.Pods.Single().Containers.Single().Cpu.UsageNanoCores);
        Assert.Equal(300_000_000UL, summary.Pods.Single().Containers.Single().Cpu.UsageNanoCores);
    }

    [Fact]
    public async Task CollectAsync_TwoContainersAndAnExitedOne_PodSumsRunningOnly()
    {
        var ids = await FakeRuntimePods.RunAsync(_runtime, "ns", "web", "b", "a", "gone");
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(1_000, 100, 150, 50));
        _runtime.SetContainerUsage(ids[1], new SimulatedUsage(2_000, 200, 250, 70));
        _runtime.SetContainerUsage(ids[2], new SimulatedUsage(4_000, 400, 450, 90));
        var before = await _collector.CollectAsync(withRates: false, CancellationToken.None);
        _runtime.ExitContainer(ids[2], 0);

        var snapshot = await _collector.CollectAsync(withRates: false, CancellationToken.None);

        Assert.Equal(3, before.Pods.Single().Containers.Count);
        var pod = snapshot.Pods.Single();
        Assert.Equal(["a", "b"], pod.Containers.Select(c => c.Name));
        Assert.Equal(("ns", "web", "uid-ns-web"), (pod.Namespace, pod.Name, pod.Uid));
        Assert.Equal(3_000UL, pod.Cpu.UsageCoreNanoSeconds);
        Assert.Equal((300UL, 400UL, 120UL), (pod.Memory.WorkingSetBytes, pod.Memory.UsageBytes, pod.Memory.RssBytes));
    }

    [Fact]
    public async Task CollectAsync_StoppedSandbox_PodLeftOut()
    {
        await FakeRuntimePods.RunAsync(_runtime, "ns", "keep", "app");
        await FakeRuntimePods.RunAsync(_runtime, "ns", "stop", "app");
        var before = await _collector.CollectAsync(withRates: false, CancellationToken.None);
        var sandbox = (await _runtime.ListPodSandboxAsync(null, CancellationToken.None)).Single(s => s.Metadata.Name == "stop");
        await _runtime.StopPodSandboxAsync(sandbox.Id, CancellationToken.None);

        var after = await _collector.CollectAsync(withRates: false, CancellationToken.None);

        Assert.Equal(["keep", "stop"], before.Pods.Select(p => p.Name));
        Assert.Equal(["keep"], after.Pods.Select(p => p.Name));
    }

    [Fact]
    public async Task SummaryWriter_SecondSample_UpstreamShapeWithRates()
    {
        var ids = await FakeRuntimePods.RunAsync(_runtime, "ns", "web", "app");
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(1_000_000_000, 4096, 8192, 2048));
        var first = JsonNode.Parse(SummaryWriter.Write(await _collector.CollectAsync(withRates: true, CancellationToken.None)))!;
        _time.Advance(TimeSpan.FromSeconds(2));
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(1_500_000_000, 4096, 8192, 2048));

        var summary = JsonNode.Parse(SummaryWriter.Write(await _collector.CollectAsync(withRates: true, CancellationToken.None)))!;

        Assert.Null(first["pods"]![0]!["containers"]![0]!["cpu"]!["usageNanoCores"]);
        Assert.Equal("node-1", (string?)summary["node"]!["nodeName"]);
        Assert.Equal("2026-01-02T03:04:05Z", (string?)summary["node"]!["startTime"]);
        Assert.Equal(512UL * 1024 * 1024, (ulong)summary["node"]!["memory"]!["workingSetBytes"]!);
        var pod = summary["pods"]![0]!;
        Assert.Equal("""{"name":"web","namespace":"ns","uid":"uid-ns-web"}""", pod["podRef"]!.ToJsonString());
        var container = pod["containers"]![0]!;
        Assert.Equal("app", (string?)container["name"]);
        Assert.Equal("2026-03-01T12:00:02Z", (string?)container["cpu"]!["time"]);
        Assert.Equal(250_000_000UL, (ulong)container["cpu"]!["usageNanoCores"]!);
        Assert.Equal(1_500_000_000UL, (ulong)container["cpu"]!["usageCoreNanoSeconds"]!);
        Assert.Equal("""{"time":"2026-03-01T12:00:02Z","usageBytes":8192,"workingSetBytes":4096,"rssBytes":2048}""", container["memory"]!.ToJsonString());
        Assert.Equal(250_000_000UL, (ulong)pod["cpu"]!["usageNanoCores"]!);
    }
}
