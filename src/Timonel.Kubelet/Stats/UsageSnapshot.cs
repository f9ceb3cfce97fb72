namespace Timonel.Kubelet.Stats;

/// <summary>CPU usage read at <see cref="Time"/>: cumulative core-nanoseconds, and the rate since the previous read when there was one.</summary>
public sealed record CpuReading(DateTimeOffset Time, ulong UsageCoreNanoSeconds, ulong? UsageNanoCores = null);

/// <summary>Memory read at <see cref="Time"/>: working set = usage − inactive file pages, as cadvisor reports it.</summary>
public sealed record MemoryReading(DateTimeOffset Time, ulong UsageBytes, ulong WorkingSetBytes, ulong RssBytes, ulong? AvailableBytes = null);

/// <summary>The node as a whole (its root cgroup), with the time it booted.</summary>
public sealed record NodeUsage(DateTimeOffset StartTime, CpuReading Cpu, MemoryReading Memory);

/// <summary>One running container of a pod, started (created in the runtime) at <see cref="StartTime"/>.</summary>
public sealed record ContainerUsage(string Name, string Id, DateTimeOffset StartTime, CpuReading Cpu, MemoryReading Memory);

/// <summary>A pod with at least one running container; its own figures are the sums of its containers'.</summary>
public sealed record PodUsage(string Namespace, string Name, string Uid, DateTimeOffset StartTime, IReadOnlyList<ContainerUsage> Containers, CpuReading Cpu, MemoryReading Memory);

/// <summary>Everything one collection read: what /stats/summary and /metrics/resource are written from.</summary>
public sealed record UsageSnapshot(string NodeName, NodeUsage Node, IReadOnlyList<PodUsage> Pods);
