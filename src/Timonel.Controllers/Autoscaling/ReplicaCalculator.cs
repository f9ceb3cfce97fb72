using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;

namespace Timonel.Controllers.Autoscaling;

/// <summary>What one resource metric proposes: a replica count, the utilization (percent of requests; 0 for a value target) and the raw average usage in thousandths.</summary>
public sealed record ResourceProposal(int Replicas, int Utilization, long RawAverage, DateTimeOffset Timestamp);

/// <summary>A replica count cannot be computed from the pods and metrics at hand; the message is upstream's.</summary>
public sealed class ReplicaCalculationException(string message) : Exception(message);

/// <summary>
/// Upstream's ReplicaCalculator for resource metrics: the replica count that brings the pods'
/// average usage to the target, with the tolerance, and with pods that are unready or report no
/// metrics counted pessimistically (0 % when scaling up, 100 % of the target when scaling down),
/// refusing a result that would turn the direction the ready pods alone gave.
/// </summary>
public sealed class ReplicaCalculator(IResourceMetricsClient metrics, HpaOptions options, TimeProvider time)
{
    /// <summary>The replicas for an averageUtilization target (percent of the pods' requests).</summary>
    public async Task<ResourceProposal> ResourceReplicasAsync(
        int currentReplicas, int targetUtilization, string resource, string ns, LabelSelector selector, string? container, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var (read, timestamp) = await ReadAsync(resource, ns, selector, container, cancellationToken).ConfigureAwait(false);
        var metrics = new Dictionary<string, long>(read.Count, StringComparer.Ordinal);
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }

        var groups = PodGroups.Of(pods, read, resource, options, time.GetUtcNow());
        foreach (var (name, metric) in read)
        {
            if (!groups.Ignored.Contains(name) && !groups.Unready.Contains(name))
            {
                metrics[name] = metric.Value;
            }
        }

        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }

        var requests = PodRequests(pods, container, resource);
        var (ratio, utilization, raw) = UtilizationRatio(metrics, requests, targetUtilization);
        var scaleUpWithUnready = groups.Unready.Count > 0 && ratio > 1.0;
        if (!scaleUpWithUnready && groups.Missing.Count == 0)
        {
            return Math.Abs(1.0 - ratio) <= options.Tolerance
                ? new ResourceProposal(currentReplicas, utilization, raw, timestamp)
                : new ResourceProposal((int)Math.Ceiling(ratio * groups.ReadyCount), utilization, raw, timestamp);
        }

        if (groups.Missing.Count > 0)
        {
            // A pod without a sample is taken at 100 % of the target when scaling down (so it does not
            // push further down) and at 0 when scaling up (so it does not push further up).
            var fallback = Math.Max(100, targetUtilization);
            foreach (var name in groups.Missing)
            {
                if (ratio < 1.0)
                {
                    metrics[name] = requests.GetValueOrDefault(name) * fallback / 100;
                }
                else if (ratio > 1.0)
                {
                    metrics[name] = 0;
                }
            }
        }

        if (scaleUpWithUnready)
        {
            foreach (var name in groups.Unready)
            {
                metrics[name] = 0;
            }
        }

        var (newRatio, _, _) = UtilizationRatio(metrics, requests, targetUtilization);
        return new ResourceProposal(Rebalanced(currentReplicas, ratio, newRatio, metrics.Count), utilization, raw, timestamp);
    }

    /// <summary>The replicas for an averageValue target (usage per pod, in thousandths); Utilization is 0.</summary>
    public async Task<ResourceProposal> RawResourceReplicasAsync(
        int currentReplicas, long targetUsage, string resource, string ns, LabelSelector selector, string? container, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var (read, timestamp) = await ReadAsync(resource, ns, selector, container, cancellationToken).ConfigureAwait(false);
        var (replicas, usage) = PlainReplicas(currentReplicas, targetUsage, read, pods, resource);
        return new ResourceProposal(replicas, 0, usage, timestamp);
    }

    /// <summary>
    /// Upstream's calcPlainMetricReplicas: the replicas that bring the pods' average of a metric
    /// (thousandths) to <paramref name="targetUsage"/>. Pending pods, and for "cpu" pods not ready
    /// long enough, are left out (counted as 0 on a scale-up); pods without a sample count as the
    /// target on a scale-down and 0 on a scale-up. Pods metrics pass an empty resource: only
    /// pending pods are left out, as upstream.
    /// </summary>
    /// <returns>The proposal and the average of the ready pods' samples.</returns>
    /// <exception cref="ReplicaCalculationException">No pods, or no sample of a counted pod.</exception>
    public (int Replicas, long Usage) PlainReplicas(int currentReplicas, long targetUsage, IReadOnlyDictionary<string, PodMetric> read, IReadOnlyList<V1Pod> pods, string resource)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(pods);
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }

        var groups = PodGroups.Of(pods, read, resource, options, time.GetUtcNow());
        var metrics = read.Where(m => !groups.Ignored.Contains(m.Key) && !groups.Unready.Contains(m.Key)).ToDictionary(m => m.Key, m => m.Value.Value, StringComparer.Ordinal);
        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }

        var (ratio, usage) = UsageRatio(metrics, targetUsage);
        var scaleUpWithUnready = groups.Unready.Count > 0 && ratio > 1.0;
        if (!scaleUpWithUnready && groups.Missing.Count == 0)
        {
            return Math.Abs(1.0 - ratio) <= options.Tolerance
                ? (currentReplicas, usage)
                : ((int)Math.Ceiling(ratio * groups.ReadyCount), usage);
        }

        foreach (var name in groups.Missing)
        {
            metrics[name] = ratio < 1.0 ? targetUsage : 0;
        }

        if (scaleUpWithUnready)
        {
            foreach (var name in groups.Unready)
            {
                metrics[name] = 0;
            }
        }

        var (newRatio, _) = UsageRatio(metrics, targetUsage);
        return (Rebalanced(currentReplicas, ratio, newRatio, metrics.Count), usage);
    }

    /// <summary>
    /// Each pod's request of <paramref name="resource"/> in thousandths, summed over its containers
    /// and restartable (sidecar) init containers, or over <paramref name="container"/> only.
    /// </summary>
    /// <exception cref="ReplicaCalculationException">A counted container has no request for the resource.</exception>
    public static Dictionary<string, long> PodRequests(IReadOnlyList<V1Pod> pods, string? container, string resource)
    {
        var requests = new Dictionary<string, long>(pods.Count, StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            long sum = 0;
            var containers = (pod.Spec?.Containers ?? []).Concat((pod.Spec?.InitContainers ?? []).Where(c => c.RestartPolicy == "Always"));
            foreach (var c in containers)
            {
                if (!string.IsNullOrEmpty(container) && container != c.Name)
                {
                    continue;
                }

                if (c.Resources?.Requests?.TryGetValue(resource, out var request) != true)
                {
                    throw new ReplicaCalculationException($"missing request for {resource} in container {c.Name} of Pod {pod.Metadata.Name}");
                }

                sum += Quantity.MilliValue(request);
            }

            requests[pod.Metadata.Name] = sum;
        }

        return requests;
    }

    // Upstream's GetResourceUtilizationRatio: metrics of pods with no known request are extraneous.
    private static (double Ratio, int Utilization, long RawAverage) UtilizationRatio(Dictionary<string, long> metrics, Dictionary<string, long> requests, int targetUtilization)
    {
        long usageTotal = 0, requestTotal = 0;
        var entries = 0;
        foreach (var (name, value) in metrics)
        {
            if (requests.TryGetValue(name, out var request))
            {
                usageTotal += value;
                requestTotal += request;
                entries++;
            }
        }

        if (requestTotal == 0)
        {
            throw new ReplicaCalculationException("no metrics returned matched known pods");
        }

        var utilization = (int)(usageTotal * 100 / requestTotal);
        return ((double)utilization / targetUtilization, utilization, usageTotal / entries);
    }

    private static (double Ratio, long Usage) UsageRatio(Dictionary<string, long> metrics, long targetUsage)
    {
        var usage = metrics.Values.Sum() / metrics.Count;
        return ((double)usage / targetUsage, usage);
    }

    // After the pessimistic fill-in: no change within the tolerance, nor when the fill-in turned the
    // direction, nor when the result would move against the ratio.
    private int Rebalanced(int currentReplicas, double ratio, double newRatio, int podCount)
    {
        if (Math.Abs(1.0 - newRatio) <= options.Tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0))
        {
            return currentReplicas;
        }

        var replicas = (int)Math.Ceiling(newRatio * podCount);
        return (newRatio < 1.0 && replicas > currentReplicas) || (newRatio > 1.0 && replicas < currentReplicas) ? currentReplicas : replicas;
    }

    private async Task<(IReadOnlyDictionary<string, PodMetric>, DateTimeOffset)> ReadAsync(string resource, string ns, LabelSelector selector, string? container, CancellationToken cancellationToken)
    {
        try
        {
            return await metrics.GetResourceMetricAsync(resource, ns, selector, container, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceMetricsException e)
        {
            throw new ReplicaCalculationException($"unable to get metrics for resource {resource}: {e.Message}");
        }
    }
}
