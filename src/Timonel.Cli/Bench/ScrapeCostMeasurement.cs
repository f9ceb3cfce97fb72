using System.Diagnostics;
using System.Globalization;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Stats;

namespace Timonel.Cli.Bench;

/// <summary>
/// What one /metrics/resource scrape costs the kubelet: the agent's own code path (CRI list of
/// sandboxes, containers and container stats, the node's cgroup read, the Prometheus text) over
/// an in-memory runtime holding <c>pods</c> running one-container pods, so the figure is the
/// kubelet's work without containerd's. CPU is the process's, over many scrapes in a row.
/// </summary>
internal static class ScrapeCostMeasurement
{
    public sealed record Result(int Pods, int Scrapes, double CpuMsPerScrape, double WallMsPerScrape, int BytesPerScrape, double AllocatedKiBPerScrape, string NodeSource);

    public static async Task<Result> RunAsync(int pods, int scrapes, CancellationToken cancellationToken)
    {
        var runtime = new InMemoryContainerRuntime();
        for (var i = 0; i < pods; i++)
        {
            var id = await StartPodAsync(runtime, "bench", string.Create(CultureInfo.InvariantCulture, $"pod-{i}"), cancellationToken).ConfigureAwait(false);
            runtime.SetContainerUsage(id, new Kubelet.Cri.SimulatedUsage((ulong)(i + 1) * 1_000_000_000, 64UL << 20, 80UL << 20, 32UL << 20));
        }

        var (node, source) = NodeSource();
        var collector = new StatsCollector("bench-node", runtime, node);
        var bytes = 0;
        async Task ScrapeAsync()
        {
            var snapshot = await collector.CollectAsync(withRates: false, cancellationToken).ConfigureAwait(false);
            bytes = ResourceMetricsWriter.Write(snapshot).Length;
        }

        // Warm up: JIT and tiering, so the figure is the steady state an agent reaches.
        for (var i = 0; i < Math.Min(scrapes, 50); i++)
        {
            await ScrapeAsync().ConfigureAwait(false);
        }

        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var cpu = self.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < scrapes; i++)
        {
            await ScrapeAsync().ConfigureAwait(false);
        }

        wall.Stop();
        self.Refresh();
        var cpuMs = (self.TotalProcessorTime - cpu).TotalMilliseconds;
        var allocatedKiB = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0;
        return new Result(pods, scrapes, cpuMs / scrapes, wall.Elapsed.TotalMilliseconds / scrapes, bytes, allocatedKiB / scrapes, source);
    }

    private static (INodeUsageSource Node, string Description) NodeSource()
    {
        var real = new CgroupNodeUsage(CgroupLayout.Detect(), TimeProvider.System);
        try
        {
            real.Read();
            return (real, "this machine's /proc and root cgroup");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return (new FixedNodeUsage(), $"fixed values ({e.Message})");
        }
    }

    private static async Task<string> StartPodAsync(InMemoryContainerRuntime runtime, string ns, string pod, CancellationToken cancellationToken)
    {
        var uid = $"uid-{pod}";
        var sandbox = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = pod, Namespace = ns, Uid = uid },
            Labels = { [CriLabels.PodName] = pod, [CriLabels.PodNamespace] = ns, [CriLabels.PodUid] = uid },
        };
        var sandboxId = await runtime.RunPodSandboxAsync(sandbox, cancellationToken).ConfigureAwait(false);
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = "app" },
            Image = new ImageSpec { Image = "docker.io/library/busybox:bench" },
            Labels = { [CriLabels.ContainerName] = "app", [CriLabels.PodName] = pod, [CriLabels.PodNamespace] = ns },
        };
        var id = await runtime.CreateContainerAsync(sandboxId, config, sandbox, cancellationToken).ConfigureAwait(false);
        await runtime.StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>Where the machine's root cgroup cannot be read: constant node figures.</summary>
    private sealed class FixedNodeUsage : INodeUsageSource
    {
        private static readonly DateTimeOffset Boot = DateTimeOffset.UnixEpoch;

        public NodeUsage Read()
        {
            var now = DateTimeOffset.UtcNow;
            return new NodeUsage(Boot, new CpuReading(now, 1_000_000_000), new MemoryReading(now, 1UL << 30, 1UL << 30, 1UL << 29, 1UL << 33));
        }
    }
}
