using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Controllers.Autoscaling;

/// <summary>A custom or external metric's proposal: the replica count and the value to report (thousandths) with its timestamp.</summary>
public sealed record CustomProposal(int Replicas, long Value, DateTimeOffset Timestamp);

/// <summary>
/// Upstream's replica calculations for Pods, Object and External metrics (GetMetricReplicas,
/// GetObjectMetricReplicas, GetObjectPerPodMetricReplicas, GetExternalMetricReplicas,
/// GetExternalPerPodMetricReplicas). Only Pods metrics look at each pod's sample (pending pods left
/// out, missing samples filled in, no CPU readiness rule); a Value target scales the ready pods by
/// value / target; an AverageValue target divides the value by the target, checked against the
/// current replicas with the tolerance. Errors carry upstream's wording.
/// </summary>
public sealed class CustomMetricReplicas(ICustomMetricsClient metrics, ReplicaCalculator calculator, HpaOptions options)
{
    /// <summary>A Pods metric with an AverageValue target.</summary>
    public async Task<CustomProposal> PodsAsync(
        int currentReplicas, long target, string metricName, string ns, LabelSelector selector, LabelSelector metricSelector, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, PodMetric> read;
        DateTimeOffset timestamp;
        try
        {
            (read, timestamp) = await metrics.GetRawMetricAsync(metricName, ns, selector, metricSelector, cancellationToken).ConfigureAwait(false);
        }
        catch (CustomMetricsException e)
        {
            throw new ReplicaCalculationException($"unable to get metric {metricName}: {e.Message}");
        }

        var (replicas, usage) = calculator.PlainReplicas(currentReplicas, target, read, pods, "");
        return new CustomProposal(replicas, usage, timestamp);
    }

    /// <summary>An Object metric with a Value target: the ready pods scaled by value / target.</summary>
    public async Task<CustomProposal> ObjectAsync(
        int specReplicas, long target, string metricName, string ns, DescribedObject described, LabelSelector metricSelector, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var (value, timestamp) = await ObjectValueAsync(metricName, ns, described, metricSelector, cancellationToken).ConfigureAwait(false);
        return new CustomProposal(UsageRatioReplicas(specReplicas, (double)value / target, pods), value, timestamp);
    }

    /// <summary>An Object metric with an AverageValue target: the value per current replica (status.replicas).</summary>
    public async Task<CustomProposal> ObjectPerPodAsync(
        int statusReplicas, long target, string metricName, string ns, DescribedObject described, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        var (value, timestamp) = await ObjectValueAsync(metricName, ns, described, metricSelector, cancellationToken).ConfigureAwait(false);
        var (replicas, average) = PerPod(statusReplicas, target, value);
        return new CustomProposal(replicas, average, timestamp);
    }

    /// <summary>An External metric with a Value target: the sum of its series against the target, scaling the ready pods.</summary>
    public async Task<CustomProposal> ExternalAsync(
        int specReplicas, long target, string metricName, string ns, LabelSelector metricSelector, string selectorText, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var (sum, timestamp) = await ExternalSumAsync(metricName, ns, metricSelector, selectorText, cancellationToken).ConfigureAwait(false);
        return new CustomProposal(UsageRatioReplicas(specReplicas, (double)sum / target, pods), sum, timestamp);
    }

    /// <summary>An External metric with an AverageValue target: the sum of its series per current replica.</summary>
    public async Task<CustomProposal> ExternalPerPodAsync(
        int statusReplicas, long target, string metricName, string ns, LabelSelector metricSelector, string selectorText, CancellationToken cancellationToken)
    {
        var (sum, timestamp) = await ExternalSumAsync(metricName, ns, metricSelector, selectorText, cancellationToken).ConfigureAwait(false);
        var (replicas, average) = PerPod(statusReplicas, target, sum);
        return new CustomProposal(replicas, average, timestamp);
    }

    private async Task<(long Value, DateTimeOffset Timestamp)> ObjectValueAsync(string metricName, string ns, DescribedObject described, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        try
        {
            return await metrics.GetObjectMetricAsync(metricName, ns, described, metricSelector, cancellationToken).ConfigureAwait(false);
        }
        catch (CustomMetricsException e)
        {
            throw new ReplicaCalculationException($"unable to get metric {metricName}: {described.Kind} on {ns} {described.Name}/{e.Message}");
        }
    }

    private async Task<(long Sum, DateTimeOffset Timestamp)> ExternalSumAsync(string metricName, string ns, LabelSelector metricSelector, string selectorText, CancellationToken cancellationToken)
    {
        try
        {
            var (values, timestamp) = await metrics.GetExternalMetricAsync(metricName, ns, metricSelector, cancellationToken).ConfigureAwait(false);
            return (values.Sum(), timestamp);
        }
        catch (CustomMetricsException e)
        {
            throw new ReplicaCalculationException($"unable to get external metric {ns}/{metricName}/{selectorText}: {e.Message}");
        }
    }

    // Upstream's getUsageRatioReplicaCount: within the tolerance nothing changes; otherwise the ready
    // pods (Running and Ready) are scaled by the ratio. From zero replicas the ratio alone decides.
    private int UsageRatioReplicas(int currentReplicas, double ratio, IReadOnlyList<V1Pod> pods)
    {
        if (currentReplicas == 0)
        {
            return (int)Math.Ceiling(ratio);
        }

        if (Math.Abs(1.0 - ratio) <= options.Tolerance)
        {
            return currentReplicas;
        }

        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("unable to calculate ready pods: no pods returned by selector while calculating replica count");
        }

        var ready = pods.Count(p => p.Status?.Phase == "Running" && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
        return (int)Math.Ceiling(ratio * ready);
    }

    // Upstream's per-pod form: value / target replicas unless value / (target × current) is within
    // the tolerance; the reported average is value / current, rounded up.
    private (int Replicas, long Average) PerPod(int statusReplicas, long target, long value)
    {
        if (statusReplicas <= 0)
        {
            // No pods to divide by: the count the value asks for, reported whole (upstream would divide by zero).
            return ((int)Math.Ceiling((double)value / target), value);
        }

        var ratio = (double)value / ((double)target * statusReplicas);
        var replicas = Math.Abs(1.0 - ratio) > options.Tolerance ? (int)Math.Ceiling((double)value / target) : statusReplicas;
        return (replicas, (long)Math.Ceiling((double)value / statusReplicas));
    }
}
