using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Stats;

/// <summary>
/// Reads one <see cref="UsageSnapshot"/>: the running containers of ready sandboxes joined with
/// CRI ListContainerStats (containerd reads their cgroups), pods as the sums of their
/// containers, and the node from <see cref="INodeUsageSource"/>. Rates (usageNanoCores) come from
/// the previous collection that asked for them, as upstream's summary API computes them.
/// </summary>
public sealed class StatsCollector(string nodeName, IContainerRuntime runtime, INodeUsageSource node)
{
    private const string NodeKey = "node";
    private readonly CpuRates _rates = new();

    /// <param name="withRates">True for /stats/summary, which reports usageNanoCores; /metrics/resource needs only the counters.</param>
    public async Task<UsageSnapshot> CollectAsync(bool withRates, CancellationToken cancellationToken)
    {
        var ready = new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } };
        var running = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } };
        var sandboxesTask = runtime.ListPodSandboxAsync(ready, cancellationToken);
        var containersTask = runtime.ListContainersAsync(running, cancellationToken);
        var statsTask = runtime.ListContainerStatsAsync(null, cancellationToken);
        var sandboxes = (await sandboxesTask.ConfigureAwait(false)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var containers = await containersTask.ConfigureAwait(false);
        var stats = (await statsTask.ConfigureAwait(false)).Where(s => s.Attributes is not null).ToDictionary(s => s.Attributes.Id, StringComparer.Ordinal);

        var live = new HashSet<string>(StringComparer.Ordinal) { NodeKey };
        var pods = new List<PodUsage>();
        foreach (var group in containers.Where(c => sandboxes.ContainsKey(c.PodSandboxId)).GroupBy(c => c.PodSandboxId))
        {
            var entries = new List<ContainerUsage>();
            foreach (var c in group.OrderBy(c => Name(c), StringComparer.Ordinal))
            {
                if (!stats.TryGetValue(c.Id, out var s) || s.Cpu is null || s.Memory is null)
                {
                    // Started after the stats were read: it shows in the next scrape.
                    continue;
                }

                var cpu = Cpu(s.Cpu);
                if (withRates)
                {
                    cpu = _rates.Update(c.Id, cpu);
                    live.Add(c.Id);
                }

                entries.Add(new ContainerUsage(Name(c), c.Id, FromNanoseconds(c.CreatedAt), cpu, Memory(s.Memory)));
            }

            if (entries.Count > 0)
            {
                pods.Add(Pod(sandboxes[group.Key], entries));
            }
        }

        var nodeUsage = node.Read();
        if (withRates)
        {
            nodeUsage = nodeUsage with { Cpu = _rates.Update(NodeKey, nodeUsage.Cpu) };
            _rates.Retain(live);
        }

        return new UsageSnapshot(nodeName, nodeUsage, [.. pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)]);
    }

    private static PodUsage Pod(PodSandbox sandbox, List<ContainerUsage> containers)
    {
        var time = containers.Max(c => c.Cpu.Time);
        ulong? rate = containers.All(c => c.Cpu.UsageNanoCores.HasValue) ? containers.Aggregate(0UL, (sum, c) => sum + c.Cpu.UsageNanoCores!.Value) : null;
        var cpu = new CpuReading(time, containers.Aggregate(0UL, (sum, c) => sum + c.Cpu.UsageCoreNanoSeconds), rate);
        var memory = new MemoryReading(
            containers.Max(c => c.Memory.Time),
            containers.Aggregate(0UL, (sum, c) => sum + c.Memory.UsageBytes),
            containers.Aggregate(0UL, (sum, c) => sum + c.Memory.WorkingSetBytes),
            containers.Aggregate(0UL, (sum, c) => sum + c.Memory.RssBytes));
        var meta = sandbox.Metadata;
        return new PodUsage(meta.Namespace, meta.Name, meta.Uid, FromNanoseconds(sandbox.CreatedAt), containers, cpu, memory);
    }

    private static string Name(Container c) =>
        c.Labels.TryGetValue(CriLabels.ContainerName, out var name) ? name : c.Metadata.Name;

    private static CpuReading Cpu(CpuUsage cpu) =>
        new(FromNanoseconds(cpu.Timestamp), cpu.UsageCoreNanoSeconds?.Value ?? 0);

    private static MemoryReading Memory(MemoryUsage memory) =>
        new(FromNanoseconds(memory.Timestamp), memory.UsageBytes?.Value ?? 0, memory.WorkingSetBytes?.Value ?? 0, memory.RssBytes?.Value ?? 0, memory.AvailableBytes?.Value);

    private static DateTimeOffset FromNanoseconds(long nanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
}
