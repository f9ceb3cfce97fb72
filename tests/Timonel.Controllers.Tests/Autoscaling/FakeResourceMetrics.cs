using System.Collections.Concurrent;
using Timonel.Api.Selectors;
using Timonel.Controllers.Autoscaling;

namespace Timonel.Controllers.Tests.Autoscaling;

/// <summary>
/// Usage set by the test, per pod and container, answered as the metrics.k8s.io client would: only
/// pods of the namespace the selector matches (by the labels the test gives), a pod counted only
/// when every container (or the named one) reports the resource, stamped with the clock's time.
/// </summary>
internal sealed class FakeResourceMetrics(TimeProvider time) : IResourceMetricsClient
{
    private readonly ConcurrentDictionary<(string Namespace, string Pod), (IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, long> Containers)> _usage = new();

    /// <summary>The window each sample claims.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long before "now" the samples were taken.</summary>
    public TimeSpan Age { get; set; } = TimeSpan.Zero;

    /// <summary>Reads so far: a test waits for one to know a sync has looked.</summary>
    public int Reads => _reads;

    private int _reads;

    /// <summary>Sets one pod's usage (thousandths of the resource) per container name.</summary>
    public void Set(string ns, string pod, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, long> containers) =>
        _usage[(ns, pod)] = (labels, containers);

    /// <summary>A pod with one container "c" using <paramref name="milli"/>.</summary>
    public void Set(string ns, string pod, long milli) => Set(ns, pod, TestObjects.AppLabels, new Dictionary<string, long> { ["c"] = milli });

    public void Remove(string ns, string pod) => _usage.TryRemove((ns, pod), out _);

    public Task<(IReadOnlyDictionary<string, PodMetric> Metrics, DateTimeOffset Timestamp)> GetResourceMetricAsync(
        string resource, string @namespace, LabelSelector selector, string? container, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        var at = time.GetUtcNow() - Age;
        var found = _usage.Where(u => u.Key.Namespace == @namespace && selector.Matches(u.Value.Labels)).ToList();
        if (found.Count == 0)
        {
            throw new ResourceMetricsException("no metrics returned from resource metrics API");
        }

        var metrics = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
        foreach (var (key, (_, containers)) in found)
        {
            if (!string.IsNullOrEmpty(container))
            {
                if (containers.TryGetValue(container, out var one))
                {
                    metrics[key.Pod] = new PodMetric(one, at, Window);
                }

                continue;
            }

            metrics[key.Pod] = new PodMetric(containers.Values.Sum(), at, Window);
        }

        return Task.FromResult<(IReadOnlyDictionary<string, PodMetric>, DateTimeOffset)>((metrics, at));
    }
}
