using Timonel.Api.Selectors;

namespace Timonel.Controllers.Autoscaling;

/// <summary>The object an Object metric describes: the autoscaler's describedObject.</summary>
public sealed record DescribedObject(string? ApiVersion, string Kind, string Name);

/// <summary>
/// Reads custom metrics (custom.metrics.k8s.io) and external metrics (external.metrics.k8s.io),
/// as upstream's REST metrics client does for Pods, Object and External metric sources. Values
/// are in thousandths. Throws <see cref="CustomMetricsException"/> with upstream's wording
/// ("unable to fetch metrics from custom metrics API: ...") when the API is missing, answers an
/// error, or returns nothing.
/// </summary>
public interface ICustomMetricsClient
{
    /// <summary>A metric of each pod of the namespace the selector matches (Pods metrics): pod name → value, with the first item's timestamp.</summary>
    Task<(IReadOnlyDictionary<string, PodMetric> Metrics, DateTimeOffset Timestamp)> GetRawMetricAsync(
        string metricName, string @namespace, LabelSelector podSelector, LabelSelector metricSelector, CancellationToken cancellationToken);

    /// <summary>The metric of one object (Object metrics).</summary>
    Task<(long Value, DateTimeOffset Timestamp)> GetObjectMetricAsync(
        string metricName, string @namespace, DescribedObject target, LabelSelector metricSelector, CancellationToken cancellationToken);

    /// <summary>Every series of an external metric the selector matches (External metrics).</summary>
    Task<(IReadOnlyList<long> Values, DateTimeOffset Timestamp)> GetExternalMetricAsync(
        string metricName, string @namespace, LabelSelector metricSelector, CancellationToken cancellationToken);
}

/// <summary>Custom or external metrics could not be read; the message says why, as upstream words it.</summary>
public sealed class CustomMetricsException(string message) : Exception(message);
