using System.Collections.Concurrent;
using Timonel.Api.Selectors;
using Timonel.Controllers.Autoscaling;

namespace Timonel.Controllers.Tests.Autoscaling;

/// <summary>
/// Custom and external metrics set by the test (values in thousandths), answered as upstream's
/// REST client would, stamped with the clock's time; a metric the test marked failing throws with
/// the message given. Each call is recorded with the selectors it carried.
/// </summary>
internal sealed class FakeCustomMetrics(TimeProvider time) : ICustomMetricsClient
{
    private readonly ConcurrentDictionary<(string Namespace, string Metric, string Pod), long> _pods = new();
    private readonly ConcurrentDictionary<(string Namespace, string Metric, string Kind, string Name), long> _objects = new();
    private readonly ConcurrentDictionary<(string Namespace, string Metric), IReadOnlyList<long>> _external = new();
    private readonly ConcurrentDictionary<string, string> _failures = new(StringComparer.Ordinal);

    /// <summary>"pods METRIC podSelector metricSelector", "object METRIC Kind/name metricSelector", "external METRIC metricSelector".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public void SetPod(string ns, string metric, string pod, long milli) => _pods[(ns, metric, pod)] = milli;

    public void SetObject(string ns, string metric, string kind, string name, long milli) => _objects[(ns, metric, kind, name)] = milli;

    public void SetExternal(string ns, string metric, params long[] milli) => _external[(ns, metric)] = milli;

    /// <summary>Every read of <paramref name="metric"/> fails with <paramref name="message"/> (null: works again).</summary>
    public void Fail(string metric, string? message)
    {
        if (message is null)
        {
            _failures.TryRemove(metric, out _);
        }
        else
        {
            _failures[metric] = message;
        }
    }

    public Task<(IReadOnlyDictionary<string, PodMetric> Metrics, DateTimeOffset Timestamp)> GetRawMetricAsync(
        string metricName, string @namespace, LabelSelector podSelector, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"pods {metricName} {podSelector} {metricSelector}");
        ThrowIfFailing(metricName);
        var now = time.GetUtcNow();
        var found = _pods.Where(p => p.Key.Namespace == @namespace && p.Key.Metric == metricName)
            .ToDictionary(p => p.Key.Pod, p => new PodMetric(p.Value, now, TimeSpan.FromSeconds(30)), StringComparer.Ordinal);
        if (found.Count == 0)
        {
            throw new CustomMetricsException("no metrics returned from custom metrics API");
        }

        return Task.FromResult<(IReadOnlyDictionary<string, PodMetric>, DateTimeOffset)>((found, now));
    }

    public Task<(long Value, DateTimeOffset Timestamp)> GetObjectMetricAsync(
        string metricName, string @namespace, DescribedObject target, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"object {metricName} {target.Kind}/{target.Name} {metricSelector}");
        ThrowIfFailing(metricName);
        return _objects.TryGetValue((@namespace, metricName, target.Kind, target.Name), out var value)
            ? Task.FromResult((value, time.GetUtcNow()))
            : throw new CustomMetricsException("unable to fetch metrics from custom metrics API: the custom metrics API server returned 0 results when we asked for exactly one");
    }

    public Task<(IReadOnlyList<long> Values, DateTimeOffset Timestamp)> GetExternalMetricAsync(
        string metricName, string @namespace, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"external {metricName} {metricSelector}");
        ThrowIfFailing(metricName);
        return _external.TryGetValue((@namespace, metricName), out var values) && values.Count > 0
            ? Task.FromResult((values, time.GetUtcNow()))
            : throw new CustomMetricsException("no metrics returned from external metrics API");
    }

    private void ThrowIfFailing(string metric)
    {
        if (_failures.TryGetValue(metric, out var message))
        {
            throw new CustomMetricsException(message);
        }
    }
}
