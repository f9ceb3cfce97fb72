using Timonel.Api.Selectors;

namespace Timonel.Controllers.Autoscaling;

/// <summary>One pod's usage of a resource, in thousandths (millicores, or milli-bytes for memory), as measured at <see cref="Timestamp"/> over <see cref="Window"/>.</summary>
public sealed record PodMetric(long Value, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>
/// Reads pods' resource usage (upstream's metrics.k8s.io resource metrics client). Contract: the
/// answer maps pod name → usage for the pods of the namespace matching the selector that report
/// the resource for every container (or for <c>container</c> when one is named), with the
/// timestamp of the first sample. Throws <see cref="ResourceMetricsException"/> when the metrics
/// cannot be read or none came back; the message is upstream's and ends up in the autoscaler's condition.
/// </summary>
public interface IResourceMetricsClient
{
    Task<(IReadOnlyDictionary<string, PodMetric> Metrics, DateTimeOffset Timestamp)> GetResourceMetricAsync(
        string resource, string @namespace, LabelSelector selector, string? container, CancellationToken cancellationToken);
}

/// <summary>The metrics could not be read; the message says why, as upstream words it.</summary>
public sealed class ResourceMetricsException(string message) : Exception(message);
