using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;

namespace Timonel.Controllers.Autoscaling;

/// <summary>What all of an autoscaler's metrics propose: the largest count (or -1 when none could be used), its metric, the statuses, and the condition to report.</summary>
public sealed record MetricsOutcome(int Replicas, string Metric, List<V2MetricStatus> Statuses, string? Error, bool Active, string Reason, string Message);

/// <summary>
/// Upstream's computeReplicasForMetrics: each metric proposes a replica count; the largest wins.
/// A metric that cannot be computed is reported (a Warning event with upstream's reason and the
/// ScalingActive condition); when every metric failed, or some failed and the others would scale
/// down, nothing is proposed, so a blind spot never shrinks the target.
/// </summary>
public sealed class MetricProposals(ReplicaCalculator calculator, CustomMetricReplicas custom, ControllerEvents events, string component)
{
    /// <param name="specReplicas">The target's scale spec.replicas (what most metrics scale from).</param>
    /// <param name="statusReplicas">The target's scale status.replicas (what AverageValue Object and External metrics divide by, as upstream).</param>
    public async Task<MetricsOutcome> ComputeAsync(V2HorizontalPodAutoscaler hpa, int specReplicas, int statusReplicas, LabelSelector selector, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
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
            var (proposal, name, failure) = await ComputeOneAsync(hpa, spec, specReplicas, statusReplicas, selector, pods, status, cancellationToken).ConfigureAwait(false);
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
        V2HorizontalPodAutoscaler hpa, V2MetricSpec spec, int specReplicas, int statusReplicas, LabelSelector selector, IReadOnlyList<V1Pod> pods, V2MetricStatus status, CancellationToken cancellationToken)
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
                return await PodsAsync(ns, specReplicas, source, selector, pods, status, cancellationToken).ConfigureAwait(false);

            case "Object" when spec.ObjectProperty is { } source:
                return await ObjectAsync(ns, specReplicas, statusReplicas, source, pods, status, cancellationToken).ConfigureAwait(false);

            case "External" when spec.External is { } source:
                return await ExternalAsync(ns, specReplicas, statusReplicas, source, pods, status, cancellationToken).ConfigureAwait(false);

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

    // Upstream's computeStatusForPodsMetric: an AverageValue over the selected pods' samples.
    private async Task<(int, string, (string, string, string)?)> PodsAsync(
        string ns, int specReplicas, V2PodsMetricSource source, LabelSelector selector, IReadOnlyList<V1Pod> pods, V2MetricStatus status, CancellationToken cancellationToken)
    {
        const string reason = "FailedGetPodsMetric";
        var name = source.Metric?.Name ?? "";
        try
        {
            var metricSelector = MetricSelector(source.Metric?.Selector);
            if (source.Target?.AverageValue is not { } target)
            {
                throw new ReplicaCalculationException("invalid pods metric source: no average value target was set");
            }

            var proposal = await custom.PodsAsync(specReplicas, Quantity.MilliValue(target), name, ns, selector, metricSelector, pods, cancellationToken).ConfigureAwait(false);
            status.Type = "Pods";
            status.Pods = new V2PodsMetricStatus { Metric = Identifier(source.Metric), Current = new V2MetricValueStatus { AverageValue = Milli(proposal.Value) } };
            return (proposal.Replicas, $"pods metric {name}", null);
        }
        catch (ReplicaCalculationException e)
        {
            return (0, "", (reason, e.Message, $"failed to get pods metric value: {e.Message}"));
        }
    }

    // Upstream's computeStatusForObjectMetric: a Value target scales the ready pods; an AverageValue
    // target divides the object's value by the current replicas.
    private async Task<(int, string, (string, string, string)?)> ObjectAsync(
        string ns, int specReplicas, int statusReplicas, V2ObjectMetricSource source, IReadOnlyList<V1Pod> pods, V2MetricStatus status, CancellationToken cancellationToken)
    {
        const string reason = "FailedGetObjectMetric";
        var name = source.Metric?.Name ?? "";
        var described = new DescribedObject(source.DescribedObject?.ApiVersion, source.DescribedObject?.Kind ?? "", source.DescribedObject?.Name ?? "");
        LabelSelector metricSelector;
        try
        {
            metricSelector = MetricSelector(source.Metric?.Selector);
        }
        catch (ReplicaCalculationException e)
        {
            return (0, "", (reason, e.Message, $"failed to get object metric value: {e.Message}"));
        }

        var target = source.Target;
        if (target?.Type == "Value" && target.Value is { } value)
        {
            try
            {
                var proposal = await custom.ObjectAsync(specReplicas, Quantity.MilliValue(value), name, ns, described, metricSelector, pods, cancellationToken).ConfigureAwait(false);
                status.Type = "Object";
                status.ObjectProperty = new V2ObjectMetricStatus { DescribedObject = source.DescribedObject, Metric = Identifier(source.Metric), Current = new V2MetricValueStatus { Value = Milli(proposal.Value) } };
                return (proposal.Replicas, $"{described.Kind} metric {name}", null);
            }
            catch (ReplicaCalculationException e)
            {
                return (0, "", (reason, e.Message, $"failed to get object metric value: {e.Message}"));
            }
        }

        if (target?.Type == "AverageValue" && target.AverageValue is { } average)
        {
            try
            {
                var proposal = await custom.ObjectPerPodAsync(statusReplicas, Quantity.MilliValue(average), name, ns, described, metricSelector, cancellationToken).ConfigureAwait(false);
                status.Type = "Object";
                status.ObjectProperty = new V2ObjectMetricStatus { DescribedObject = source.DescribedObject, Metric = Identifier(source.Metric), Current = new V2MetricValueStatus { AverageValue = Milli(proposal.Value) } };

                // Upstream names an AverageValue Object metric "external metric" too; kept, as events quote it.
                return (proposal.Replicas, $"external metric {name}({GoSelectorText.Of(source.Metric?.Selector)})", null);
            }
            catch (ReplicaCalculationException e)
            {
                return (0, "", (reason, e.Message, $"failed to get object metric value: failed to get {name} object metric: {e.Message}"));
            }
        }

        const string invalid = "invalid object metric source: neither a value target nor an average value target was set";
        return (0, "", (reason, invalid, $"failed to get object metric value: {invalid}"));
    }

    // Upstream's computeStatusForExternalMetric: the sum of the metric's series, against a Value
    // target (scaling the ready pods) or per current replica (AverageValue).
    private async Task<(int, string, (string, string, string)?)> ExternalAsync(
        string ns, int specReplicas, int statusReplicas, V2ExternalMetricSource source, IReadOnlyList<V1Pod> pods, V2MetricStatus status, CancellationToken cancellationToken)
    {
        const string reason = "FailedGetExternalMetric";
        var name = source.Metric?.Name ?? "";
        var selectorText = GoSelectorText.Of(source.Metric?.Selector);
        var metricName = $"external metric {name}({selectorText})";
        var wrap = $"failed to get {name} external metric value: ";
        LabelSelector metricSelector;
        try
        {
            metricSelector = MetricSelector(source.Metric?.Selector);
        }
        catch (ReplicaCalculationException e)
        {
            return (0, "", (reason, e.Message, wrap + e.Message));
        }

        if (source.Target?.AverageValue is { } average)
        {
            try
            {
                var proposal = await custom.ExternalPerPodAsync(statusReplicas, Quantity.MilliValue(average), name, ns, metricSelector, selectorText, cancellationToken).ConfigureAwait(false);
                status.Type = "External";
                status.External = new V2ExternalMetricStatus { Metric = Identifier(source.Metric), Current = new V2MetricValueStatus { AverageValue = Milli(proposal.Value) } };
                return (proposal.Replicas, metricName, null);
            }
            catch (ReplicaCalculationException e)
            {
                return (0, "", (reason, e.Message, $"{wrap}failed to get {name} external metric: {e.Message}"));
            }
        }

        if (source.Target?.Value is { } value)
        {
            try
            {
                var proposal = await custom.ExternalAsync(specReplicas, Quantity.MilliValue(value), name, ns, metricSelector, selectorText, pods, cancellationToken).ConfigureAwait(false);
                status.Type = "External";
                status.External = new V2ExternalMetricStatus { Metric = Identifier(source.Metric), Current = new V2MetricValueStatus { Value = Milli(proposal.Value) } };
                return (proposal.Replicas, metricName, null);
            }
            catch (ReplicaCalculationException e)
            {
                return (0, "", (reason, e.Message, $"{wrap}failed to get external metric {name}: {e.Message}"));
            }
        }

        const string invalid = "invalid external metric source: neither a value target nor an average value target was set";
        return (0, "", (reason, invalid, wrap + invalid));
    }

    // Upstream's metav1.LabelSelectorAsSelector (a null selector selects nothing, sent as no selector at all).
    private static LabelSelector MetricSelector(V1LabelSelector? selector)
    {
        try
        {
            return LabelSelector.From(selector);
        }
        catch (ApiException e)
        {
            throw new ReplicaCalculationException(e.Message);
        }
    }

    private static V2MetricIdentifier Identifier(V2MetricIdentifier? metric) => new() { Name = metric?.Name ?? "", Selector = metric?.Selector };

    // Upstream's resource.NewMilliQuantity(v, DecimalSI), written in its canonical form ("250m", "2k").
    internal static ResourceQuantity Milli(long milli) => new(milli / 1000m, 0, ResourceQuantity.SuffixFormat.DecimalSI);
}
