using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.Dynamic;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// Upstream's horizontal-pod-autoscaler controller: every sync period each autoscaler reads its
/// target's scale subresource, asks each metric for a replica count (pods from the informer,
/// usage from <see cref="IResourceMetricsClient"/>), takes the largest, holds it through the
/// stabilization windows and rate policies (<see cref="ScaleHistory"/>) and min/max, writes the
/// new size through the scale subresource, and reports conditions, events and status. A sync
/// that fails writes what it learnt to the status and throws, to be retried with backoff.
/// </summary>
public sealed partial class HorizontalPodAutoscalerController : Controller, IController
{
    /// <summary>The autoscalers, read in their storage version (v1 objects are the same objects).</summary>
    public static readonly ResourceKind<V2HorizontalPodAutoscaler> Autoscalers = new("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers");

    private const string Component = "horizontal-pod-autoscaler";

    private readonly ControllerContext _context;
    private readonly HpaOptions _options;
    private readonly SharedInformer<V2HorizontalPodAutoscaler> _autoscalers;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly ScaleTargets _targets;
    private readonly MetricProposals _proposals;
    private readonly ScaleHistory _history;
    private readonly AutoscalerSelectors _selectors = new();

    public HorizontalPodAutoscalerController(ControllerContext context)
        : this(context, null)
    {
    }

    /// <param name="metrics">Where usage is read; null for the control plane's metrics.k8s.io API.</param>
    /// <param name="customMetrics">Where custom and external metrics are read; null for the custom.metrics.k8s.io and external.metrics.k8s.io APIs through the API server.</param>
    public HorizontalPodAutoscalerController(ControllerContext context, IResourceMetricsClient? metrics, ICustomMetricsClient? customMetrics = null)
        : base("horizontal-pod-autoscaler-controller", context.Loggers.CreateLogger("horizontal-pod-autoscaler-controller"), context.Time,
            // Upstream retries a failed autoscaler at the next sync period, not sooner; the doubling from a second stops a bad target from spinning.
            new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromSeconds(1), context.Options.Autoscaling.SyncPeriod))
    {
        _context = context;
        _options = context.Options.Autoscaling;
        var dynamic = new DynamicClient(context.Client);
        var mapper = new KindMapper(dynamic, context.Time);
        _targets = new ScaleTargets(dynamic, mapper);
        _history = new ScaleHistory(_options, context.Time);
        var calculator = new ReplicaCalculator(metrics ?? new RestResourceMetricsClient(dynamic), _options, context.Time);
        var custom = new CustomMetricReplicas(customMetrics ?? new RestCustomMetricsClient(dynamic, mapper, context.Time, _options.SyncPeriod), calculator, _options);
        _proposals = new MetricProposals(calculator, custom, context.Events, Component);
        _autoscalers = context.Informers.Get(Autoscalers);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        // Upstream enqueues only on spec changes: the status this controller writes must not trigger
        // another reading of metrics the pods' informer may not have caught up with.
        _autoscalers.AddEventHandler(
            onAdd: hpa =>
            {
                _selectors.Register(ObjectKeys.KeyOf(hpa));
                Enqueue(hpa);
            },
            onUpdate: (old, hpa) =>
            {
                if (old.Metadata.Generation != hpa.Metadata.Generation)
                {
                    Enqueue(hpa);
                }
            },
            onDelete: hpa =>
            {
                _history.Forget(ObjectKeys.KeyOf(hpa));
                _selectors.Forget(ObjectKeys.KeyOf(hpa));
            });
    }

    string IController.Name => "horizontalpodautoscaling";

    public Task RunAsync(CancellationToken cancellationToken) =>
        RunAsync(_context.Options.Workers, [_autoscalers, _pods], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        // The next sync is due a period after this one began, as an absolute time: a delay armed
        // after the work would count from a clock reading the work (or a test's clock jump) made stale.
        var started = Time.GetUtcNow();
        var cached = _autoscalers.Cache.Get(key);
        if (cached is null)
        {
            _history.Forget(key);
            _selectors.Forget(key);
            return;
        }

        await ReconcileAsync(key, ObjectCopy.DeepCopy(cached), cached.Status, cancellationToken).ConfigureAwait(false);
        EnqueueAt(key, started + _options.SyncPeriod);
    }

    private async Task ReconcileAsync(string key, V2HorizontalPodAutoscaler hpa, V2HorizontalPodAutoscalerStatus? original, CancellationToken cancellationToken)
    {
        hpa.ApiVersion = "autoscaling/v2";
        hpa.Kind = "HorizontalPodAutoscaler";
        hpa.Status ??= new V2HorizontalPodAutoscalerStatus();
        var ns = hpa.Metadata.NamespaceProperty;
        var target = hpa.Spec?.ScaleTargetRef;
        var reference = $"{target?.Kind}/{ns}/{target?.Name}";
        ScaleView scale;
        try
        {
            scale = await _targets.GetAsync(ns, target?.ApiVersion, target?.Kind, target?.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (ScaleTargetException e)
        {
            _context.Events.Warning(Component, hpa, "FailedGetScale", e.Message);
            SetCondition(hpa, HpaConditions.AbleToScale, false, "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {e.Message}");
            await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"failed to query scale subresource for {reference}: {e.Message}");
        }

        SetCondition(hpa, HpaConditions.AbleToScale, true, "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        var current = scale.SpecReplicas;
        _history.RecordInitial(key, current);
        var minReplicas = hpa.Spec?.MinReplicas ?? 1;
        var maxReplicas = hpa.Spec?.MaxReplicas ?? 0;
        var behavior = hpa.Spec?.Behavior;
        var scaleUp = HpaBehaviors.ScaleUp(behavior?.ScaleUp);
        var scaleDown = HpaBehaviors.ScaleDown(behavior?.ScaleDown, _options.DownscaleStabilizationWindow);
        List<V2MetricStatus>? statuses = null;
        string? partialError = null;
        var desired = 0;
        var rescaleReason = "";
        var rescale = true;
        if (current == 0 && minReplicas != 0)
        {
            // Upstream's way to pause an autoscaler: scale its target to zero by hand.
            rescale = false;
            SetCondition(hpa, HpaConditions.ScalingActive, false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
        }
        else if (current > maxReplicas)
        {
            rescaleReason = "Current number of replicas above Spec.MaxReplicas";
            desired = maxReplicas;
        }
        else if (current < minReplicas)
        {
            rescaleReason = "Current number of replicas below Spec.MinReplicas";
            desired = minReplicas;
        }
        else
        {
            var outcome = await ComputeMetricsAsync(hpa, scale, cancellationToken).ConfigureAwait(false);
            statuses = outcome.Statuses;
            SetCondition(hpa, HpaConditions.ScalingActive, outcome.Active, outcome.Reason, outcome.Message);
            if (outcome.Replicas == -1)
            {
                SetStatus(hpa, current, hpa.Status.DesiredReplicas, statuses, rescaled: false);
                await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
                _context.Events.Warning(Component, hpa, "FailedComputeMetricsReplicas", outcome.Error ?? "");

                throw new InvalidOperationException($"failed to compute desired number of replicas based on listed metrics for {reference}: {outcome.Error}");
            }

            partialError = outcome.Error;
            desired = outcome.Replicas;
            if (desired > current)
            {
                rescaleReason = $"{outcome.Metric} above target";
            }
            else if (desired < current)
            {
                rescaleReason = "All metrics below target";
            }

            var normalized = behavior is null
                ? _history.Normalize(key, current, desired, minReplicas, maxReplicas)
                : _history.NormalizeWithBehavior(key, current, desired, minReplicas, maxReplicas, scaleUp, scaleDown);
            SetCondition(hpa, HpaConditions.AbleToScale, true, normalized.StabilizedReason, normalized.StabilizedMessage);
            SetCondition(hpa, HpaConditions.ScalingLimited, normalized.Limited, normalized.LimitReason, normalized.LimitMessage);
            desired = normalized.Replicas;
            rescale = desired != current;
        }

        if (rescale)
        {
            try
            {
                await _targets.UpdateAsync(scale, desired, cancellationToken).ConfigureAwait(false);
            }
            catch (ScaleTargetException e)
            {
                _context.Events.Warning(Component, hpa, "FailedRescale", $"New size: {desired}; reason: {rescaleReason}; error: {e.Message}");
                SetCondition(hpa, HpaConditions.AbleToScale, false, "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {e.Message}");
                SetStatus(hpa, current, hpa.Status.DesiredReplicas, statuses, rescaled: false);
                await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"failed to rescale {reference}: {e.Message}");
            }

            SetCondition(hpa, HpaConditions.AbleToScale, true, "SucceededRescale", $"the HPA controller was able to update the target scale to {desired}");
            _context.Events.Normal(Component, hpa, "SuccessfulRescale", $"New size: {desired}; reason: {rescaleReason}");
            _history.RecordScale(key, behavior, scaleUp, scaleDown, current, desired);
            Log.Rescaled(Logger, key, current, desired, rescaleReason);
        }
        else
        {
            desired = current;
        }

        SetStatus(hpa, current, desired, statuses, rescale);
        await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
        if (partialError is not null)
        {
            // Some metrics failed but the others could scale up: upstream acts on them and only reports the rest.
            Log.SomeMetricsFailed(Logger, key, partialError);
        }
    }

    // Upstream's validateAndParseSelector, then the metrics.
    private async Task<MetricsOutcome> ComputeMetricsAsync(V2HorizontalPodAutoscaler hpa, ScaleView scale, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(scale.Selector))
        {
            _context.Events.Warning(Component, hpa, "SelectorRequired", "selector is required");
            return new MetricsOutcome(-1, "", [], "selector is required", false, "InvalidSelector", "the HPA target's scale is missing a selector");
        }

        LabelSelector selector;
        try
        {
            selector = LabelSelector.Parse(scale.Selector);
        }
        catch (ApiException e)
        {
            var message = $"couldn't convert selector into a corresponding internal selector object: {e.Message}";
            _context.Events.Warning(Component, hpa, "InvalidSelector", message);
            return new MetricsOutcome(-1, "", [], message, false, "InvalidSelector", message);
        }

        var ns = hpa.Metadata.NamespaceProperty;
        _selectors.Update(ObjectKeys.KeyOf(hpa), ns, selector);
        var pods = _pods.Cache.ListByNamespace(ns).Where(p => ObjectSelectors.Matches(selector, p.Metadata)).ToList();
        var selecting = _selectors.Selecting(ns, pods);
        if (selecting.Count > 1)
        {
            // Upstream's validateAndParseSelector: pods several autoscalers select are scaled by none of them.
            var message = $"pods by selector {scale.Selector} are controlled by multiple HPAs: [{string.Join(' ', selecting)}]";
            _context.Events.Warning(Component, hpa, "AmbiguousSelector", message);
            return new MetricsOutcome(-1, "", [], message, false, "AmbiguousSelector", message);
        }

        return await _proposals.ComputeAsync(hpa, scale.SpecReplicas, scale.StatusReplicas, selector, pods, cancellationToken).ConfigureAwait(false);
    }

    private void SetCondition(V2HorizontalPodAutoscaler hpa, string type, bool value, string reason, string message) =>
        HpaConditions.Set(hpa.Status, type, value, reason, message, Time.GetUtcNow());

    private void SetStatus(V2HorizontalPodAutoscaler hpa, int current, int desired, List<V2MetricStatus>? statuses, bool rescaled)
    {
        hpa.Status.CurrentReplicas = current;
        hpa.Status.DesiredReplicas = desired;
        hpa.Status.CurrentMetrics = statuses;
        hpa.Status.ObservedGeneration = hpa.Metadata.Generation;
        if (rescaled)
        {
            hpa.Status.LastScaleTime = Time.GetUtcNow().UtcDateTime;
        }
    }

    private async Task UpdateStatusIfNeededAsync(V2HorizontalPodAutoscalerStatus? original, V2HorizontalPodAutoscaler hpa, CancellationToken cancellationToken)
    {
        if (original is not null && KubernetesJson.Serialize(original) == KubernetesJson.Serialize(hpa.Status))
        {
            return;
        }

        try
        {
            // The cached resourceVersion goes with it: an autoscaler changed since is synced again, not overwritten.
            await _context.Client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerStatusAsync(hpa, hpa.Metadata.Name, hpa.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Deleted meanwhile.
        }
        catch (HttpOperationException e)
        {
            _context.Events.Warning(Component, hpa, "FailedUpdateStatus", ApiErrors.MessageOf(e));
            throw new InvalidOperationException($"failed to update status for {hpa.Metadata.Name}: {e.Message}", e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "autoscaler {Key}: rescaled from {From} to {To}: {Reason}")]
        public static partial void Rescaled(ILogger logger, string key, int from, int to, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "autoscaler {Key}: some metrics could not be used: {Error}")]
        public static partial void SomeMetricsFailed(ILogger logger, string key, string error);
    }
}
