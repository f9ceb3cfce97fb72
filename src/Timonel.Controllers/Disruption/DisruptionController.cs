using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.ReplicaSet;

namespace Timonel.Controllers.Disruption;

/// <summary>
/// Keeps every PodDisruptionBudget's status true (upstream's disruption controller): how many of
/// its pods are healthy, how many must be, how many its pods' controllers expect, and so how many
/// voluntary disruptions (evictions) are allowed now. The eviction subresource spends that
/// allowance and records the pod in status.disruptedPods; this controller forgets the record once
/// the pod is being deleted, or after two minutes when it was not; and a pod marked
/// DisruptionTarget that is still not being deleted after two minutes has the mark turned False
/// (<see cref="StaleDisruptionConditions"/>).
/// </summary>
public sealed partial class DisruptionController : Controller, IController
{
    private const string Component = "controllermanager";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1PodDisruptionBudget> _budgets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly ControllerScales _scales;
    private readonly StaleDisruptionConditions _staleConditions;

    public DisruptionController(ControllerContext context)
        : base("disruption-controller", context.Loggers.CreateLogger("disruption-controller"), context.Time)
    {
        _context = context;
        _budgets = context.Informers.Get(ResourceKinds.PodDisruptionBudgets);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _scales = new ControllerScales(
            context.Informers.Get(ReplicationControllerKind.ReplicationControllers),
            context.Informers.Get(ResourceKinds.ReplicaSets),
            context.Informers.Get(ResourceKinds.Deployments),
            context.Informers.Get(ResourceKinds.StatefulSets));
        _budgets.AddEventHandler(onAdd: Enqueue, onUpdate: (_, b) => Enqueue(b), onDelete: Enqueue);
        _pods.AddEventHandler(
            onAdd: EnqueueBudgetsOf,
            onUpdate: (old, pod) =>
            {
                EnqueueBudgetsOf(pod);
                if (!SameLabels(old, pod))
                {
                    EnqueueBudgetsOf(old);
                }
            },
            onDelete: EnqueueBudgetsOf);
        _staleConditions = new StaleDisruptionConditions(context, _pods);
    }

    string IController.Name => "disruption";

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(
            RunAsync(_context.Options.Workers, [_budgets, _pods, .. _scales.Informers], cancellationToken),
            _staleConditions.RunAsync(cancellationToken));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _staleConditions.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var budget = _budgets.Cache.Get(key);
        if (budget is null)
        {
            return;
        }

        try
        {
            await TrySyncAsync(key, budget, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            // What the budget's pods and spec make uncomputable: allow no disruption, say why, retry.
            Log.SyncFailed(Logger, key, e.Message);
            await WriteStatusAsync(budget, BudgetStatus.FailSafe(budget, e.Message, Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private async Task TrySyncAsync(string key, V1PodDisruptionBudget budget, CancellationToken cancellationToken)
    {
        var selector = ObjectSelectors.From(budget.Spec?.Selector);
        var pods = _pods.Cache.ListByNamespace(budget.Metadata.NamespaceProperty).Where(p => ObjectSelectors.Matches(selector, p.Metadata)).ToList();
        if (pods.Count == 0)
        {
            _context.Events.Normal(Component, budget, "NoPods", "No matching pods found");
        }

        int expected, desired;
        List<string> unmanaged = [];
        try
        {
            (expected, desired, unmanaged) = ExpectedAndDesired(budget, pods);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            _context.Events.Warning(Component, budget, "CalculateExpectedPodCountFailed", $"Failed to calculate the number of expected pods: {e.Message}");
            throw;
        }

        if (unmanaged.Count > 0)
        {
            _context.Events.Warning(Component, budget, "UnmanagedPods",
                $"Pods selected by this PodDisruptionBudget (selector: {SelectorText(budget.Spec?.Selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.");
        }

        var now = Time.GetUtcNow();
        var (disrupted, overdue, recheck) = BudgetStatus.DisruptedPods(pods, budget, now);
        foreach (var pod in overdue)
        {
            _context.Events.Warning(Component, pod, "NotDeleted", $"Pod was expected by PDB {budget.Metadata.NamespaceProperty}/{budget.Metadata.Name} to be deleted but it wasn't");
        }

        var healthy = BudgetStatus.CountHealthy(pods, disrupted, now);
        var status = BudgetStatus.Compute(budget, healthy, desired, expected, disrupted, now);
        if (!BudgetStatus.IsUpToDate(budget, status))
        {
            await WriteStatusAsync(budget, status, cancellationToken).ConfigureAwait(false);
        }

        if (recheck is { } at)
        {
            EnqueueAt(key, at);
        }
    }

    // Upstream's getExpectedPodCount: a count in minAvailable needs only the pods; a percentage,
    // or maxUnavailable, is of what the pods' controllers want.
    private (int Expected, int Desired, List<string> Unmanaged) ExpectedAndDesired(V1PodDisruptionBudget budget, List<V1Pod> pods)
    {
        if (budget.Spec?.MaxUnavailable is { } maxUnavailable)
        {
            var (expected, unmanaged) = _scales.ExpectedScale(pods);
            return (expected, Math.Max(0, expected - ControllerScales.Scaled(maxUnavailable, expected)), unmanaged);
        }

        if (budget.Spec?.MinAvailable is { } minAvailable)
        {
            if (!ControllerScales.IsPercent(minAvailable))
            {
                return (pods.Count, ControllerScales.Scaled(minAvailable, pods.Count), []);
            }

            var (expected, unmanaged) = _scales.ExpectedScale(pods);
            return (expected, ControllerScales.Scaled(minAvailable, expected), unmanaged);
        }

        return (0, 0, []);
    }

    private async Task WriteStatusAsync(V1PodDisruptionBudget budget, V1PodDisruptionBudgetStatus status, CancellationToken cancellationToken)
    {
        // The cached resourceVersion goes with it: a budget changed since is synced again, not overwritten.
        var next = new V1PodDisruptionBudget
        {
            ApiVersion = "policy/v1",
            Kind = "PodDisruptionBudget",
            Metadata = budget.Metadata,
            Spec = budget.Spec,
            Status = status,
        };
        try
        {
            await _context.Client.PolicyV1.ReplaceNamespacedPodDisruptionBudgetStatusAsync(next, budget.Metadata.Name, budget.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Deleted meanwhile: nothing to report on.
        }
    }

    private void EnqueueBudgetsOf(V1Pod pod)
    {
        foreach (var budget in _budgets.Cache.ListByNamespace(pod.Metadata.NamespaceProperty))
        {
            if (ObjectSelectors.Matches(ObjectSelectors.From(budget.Spec?.Selector), pod.Metadata))
            {
                Enqueue(budget);
            }
        }
    }

    private static bool SameLabels(V1Pod a, V1Pod b)
    {
        var left = a.Metadata.Labels ?? new Dictionary<string, string>();
        var right = b.Metadata.Labels ?? new Dictionary<string, string>();
        return left.Count == right.Count && left.All(l => right.TryGetValue(l.Key, out var v) && v == l.Value);
    }

    // Go's %v of a *metav1.LabelSelector, close enough for a person to recognise it.
    private static string SelectorText(V1LabelSelector? selector) => selector is null ? "nil" : KubernetesJson.Serialize(selector);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "disruption budget {Key}: sync failed, no disruption allowed: {Reason}")]
        public static partial void SyncFailed(ILogger logger, string key, string reason);
    }
}
