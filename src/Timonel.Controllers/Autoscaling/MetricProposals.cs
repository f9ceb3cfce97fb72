using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.Controllers.Dynamic;

namespace Timonel.Controllers.Autoscaling;

/// <summary>What all of an autoscaler's metrics propose: the largest count (or -1 when none could be used), its metric, the statuses, and the condition to report.</summary>
public sealed record MetricsOutcome(int Replicas, string Metric, List<V2MetricStatus> Statuses, string? Error, bool Active, string Reason, string Message);

/// <summary>
/// Upstream's computeReplicasForMetrics: each metric proposes a replica count; the largest wins.
/// A metric that cannot be computed is reported (a Warning event with upstream's reason and the
/// ScalingActive condition); when every metric failed, or some failed and the others would scale
/// down, nothing is proposed, so a blind spot never shrinks the target.
/// </summary>
public sealed class MetricProposals(ReplicaCalculator calculator, DynamicClient client, ControllerEvents events, string component)
{
    private const string CustomMetricsGroup = "custom.metrics.k8s.io";
    private const string ExternalMetricsGroup = "external.metrics.k8s.io";

    public async Task<MetricsOutcome> ComputeAsync(V2HorizontalPodAutoscaler hpa, int specReplicas, LabelSelector selector, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        var specs = hpa.Spec?.Metrics ?? [];
        var statuses = new List<V2MetricStatus>(specs.Count);
        int replicas = 0, invalid = 0;
        var metric = "";
        (string Reason, string Message, string Error)? firstFailure = null;
        foreach (var spec in specs)
        {
            var status = new V2MetricStatus { Type = "" };
            statuses.Add(status);
            var (proposal, name, failure) = await ComputeOneAsync(hpa, spec, specReplicas, selector, pods, status, cancellationToken).ConfigureAwait(false);
            if (failure is { } f)
            {
                // The event and condition say what failed; the returned error adds which metric.
                events.Warning(component, hpa, f.Reason, f.Cause);
                firstFailure ??= (f.Reason, $"the HPA was unable to compute the replica count: {f.Cause}", f.Error);
                invalid++;
                continue;
            }

            if (replicas == 0 || proposal > replicas)
            {
                replicas = proposal;
                metric = name;
            }
        }

        var error = firstFailure is { } first ? $"invalid metrics ({invalid} invalid out of {specs.Count}), first error is: {first.Error}" : null;
        if (invalid >= specs.Count || (invalid > 0 && replicas < specReplicas))
        {
            var (reason, message) = firstFailure is { } ff ? (ff.Reason, ff.Message) : ("InvalidMetricSourceType", "the HPA was unable to compute the replica count: no metrics are specified");
            return new MetricsOutcome(-1, "", statuses, error ?? "no metrics are specified", false, reason, message);
        }

        return new MetricsOutcome(replicas, metric, statuses, error, true, "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {metric}");
    }

    private async Task<(int Replicas, string Metric, (string Reason, string Cause, string Error)? Failure)> ComputeOneAsync(
        V2HorizontalPodAutoscaler hpa, V2MetricSpec spec, int specReplicas, LabelSelector selector, IReadOnlyList<V1Pod> pods, V2MetricStatus status, CancellationToken cancellationToken)
    {
        var ns = hpa.Metadata.NamespaceProperty;
        switch (spec.Type)
        {
            case "Resource" when spec.Resource is { } source:
            {
                var result = await ResourceAsync(specReplicas, source.Target, source.Name, ns, null, selector, pods, "resource utilization", cancellationToken).ConfigureAwait(false);
                if (result.Error is { } error)
                {
                    return (0, "", ("FailedGetResourceMetric", error, $"failed to get {source.Name} resource metric value: {error}"));
                }

                status.Type = "Resource";
                status.Resource = new V2ResourceMetricStatus { Name = source.Name, Current = result.Current! };
                return (result.Replicas, result.Metric, null);
            }

            case "ContainerResource" when spec.ContainerResource is { } source:
            {
                var result = await ResourceAsync(specReplicas, source.Target, source.Name, ns, source.Container, selector, pods, "container resource utilization", cancellationToken).ConfigureAwait(false);
                if (result.Error is { } error)
                {
                    return (0, "", ("FailedGetContainerResourceMetric", error, $"failed to get {source.Container} container metric value: {error}"));
                }

                status.Type = "ContainerResource";
                status.ContainerResource = new V2ContainerResourceMetricStatus { Name = source.Name, Container = source.Container, Current = result.Current! };
                return (result.Replicas, result.Metric, null);
            }

            case "Pods" when spec.Pods is { } source:
            {
                var cause = $"unable to get metric {source.Metric?.Name}: {await CustomMetricsErrorAsync(CustomMetricsGroup, cancellationToken).ConfigureAwait(false)}";
                return (0, "", ("FailedGetPodsMetric", cause, $"failed to get pods metric value: {cause}"));
            }

            case "Object" when spec.ObjectProperty is { } source:
            {
                var cause = $"unable to get metric {source.Metric?.Name}: {source.DescribedObject?.Kind} on {ns} {source.DescribedObject?.Name}: {await CustomMetricsErrorAsync(CustomMetricsGroup, cancellationToken).ConfigureAwait(false)}";
                return (0, "", ("FailedGetObjectMetric", cause, $"failed to get object metric value: {cause}"));
            }

            case "External" when spec.External is { } source:
            {
                var cause = $"unable to get external metric {ns}/{source.Metric?.Name}: {await CustomMetricsErrorAsync(ExternalMetricsGroup, cancellationToken).ConfigureAwait(false)}";
                return (0, "", ("FailedGetExternalMetric", cause, $"failed to get external metric value: {cause}"));
            }

            case "Resource" or "ContainerResource" or "Pods" or "Object" or "External":
            {
                var cause = $"metric type {spec.Type} has no {char.ToLowerInvariant(spec.Type[0])}{spec.Type[1..]} source set";
                return (0, "", ("InvalidMetricSourceType", cause, cause));
            }

            default:
            {
                var cause = $"unknown metric source type \"{spec.Type}\"";
                return (0, "", ("InvalidMetricSourceType", cause, cause));
            }
        }
    }
    private async Task<(int Replicas, string Metric, V2MetricValueStatus? Current, string? Error)> ResourceAsync(
        int specReplicas, V2MetricTarget? target, string resource, string ns, string? container, LabelSelector selector, IReadOnlyList<V1Pod> pods, string what, CancellationToken cancellationToken)
    {
        try
        {
            if (target?.AverageValue is { } averageValue)
            {
                var raw = await calculator.RawResourceReplicasAsync(specReplicas, Quantity.MilliValue(averageValue), resource, ns, selector, container, pods, cancellationToken).ConfigureAwait(false);
                return (raw.Replicas, $"{resource} resource", new V2MetricValueStatus { AverageValue = Milli(raw.RawAverage) }, null);
            }

            if (target?.AverageUtilization is not { } utilization)
            {
                return (0, "", null, "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set");
            }

            var proposal = await calculator.ResourceReplicasAsync(specReplicas, utilization, resource, ns, selector, container, pods, cancellationToken).ConfigureAwait(false);
            return (proposal.Replicas, $"{resource} {what} (percentage of request)", new V2MetricValueStatus { AverageUtilization = proposal.Utilization, AverageValue = Milli(proposal.RawAverage) }, null);
        }
        catch (ReplicaCalculationException e)
        {
            var kind = target?.AverageValue is not null ? "usage" : "utilization";
            return (0, "", null, $"failed to get {resource} {kind}: {e.Message}");
        }
    }

    // Upstream's custom and external metrics clients find the API through discovery; with none
    // registered they fail with this message. A registered one is not read yet (see docs/autoscaling.md).
    private async Task<string> CustomMetricsErrorAsync(string group, CancellationToken cancellationToken)
    {
        var api = group == CustomMetricsGroup ? "custom metrics API" : "external metrics API";
        try
        {
            var groups = await client.SendAsync(HttpMethod.Get, "apis", null, cancellationToken).ConfigureAwait(false);
            var served = (groups["groups"] as JsonArray ?? []).Any(g => g?["name"]?.GetValue<string>() == group);
            return served
                ? $"unable to fetch metrics from {api}: reading {group} is not supported by this controller"
                : $"unable to fetch metrics from {api}: no known available metric versions found";
        }
        catch (DynamicApiException e)
        {
            return $"unable to fetch metrics from {api}: {e.Message}";
        }
    }

    // Upstream's resource.NewMilliQuantity(v, DecimalSI), written in its canonical form ("250m", "2k").
    internal static ResourceQuantity Milli(long milli) => new(milli / 1000m, 0, ResourceQuantity.SuffixFormat.DecimalSI);
}
