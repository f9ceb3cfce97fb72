namespace Timonel.ApiServer.Metrics;

/// <summary>A pod by namespace and name.</summary>
internal readonly record struct PodKey(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>
/// One reading of a kubelet's /metrics/resource for a node or a container: cumulative CPU
/// seconds at <see cref="Timestamp"/> (the CPU sample's own time) and the memory working set.
/// </summary>
internal sealed record CumulativeSample(decimal CpuSeconds, decimal MemoryBytes, DateTimeOffset Timestamp);

/// <summary>What one scrape of a node's kubelet reported: the node (when complete) and each pod's containers.</summary>
internal sealed record ResourceMetricsScrape(CumulativeSample? Node, IReadOnlyDictionary<PodKey, IReadOnlyDictionary<string, CumulativeSample>> Pods);
