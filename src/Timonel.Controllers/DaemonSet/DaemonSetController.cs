using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Expectations;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.History;

namespace Timonel.Controllers.DaemonSet;

/// <summary>
/// Upstream's daemonset controller: one pod per eligible node, following nodes as they come, go
/// and change; RollingUpdate (maxUnavailable, maxSurge) or OnDelete through ControllerRevisions;
/// the set's status. Pods name their node through required node affinity, for the scheduler to bind.
/// </summary>
public sealed class DaemonSetController : Controller, IController
{
    private const string Component = "daemonset-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1DaemonSet> _sets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1ControllerRevision> _revisions;
    private readonly RevisionHistory _history;
    private readonly ControllerExpectations _expectations;

    public DaemonSetController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _sets = context.Informers.Get(ResourceKinds.DaemonSets);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _nodes = context.Informers.Get(ResourceKinds.Nodes);
        _revisions = context.Informers.Get(ResourceKinds.ControllerRevisions);
        _history = new RevisionHistory(context.Client);
        _expectations = new ControllerExpectations(context.Time);
        _sets.AddEventHandler(onAdd: Enqueue, onUpdate: (_, s) => Enqueue(s), onDelete: Enqueue);
        _pods.AddEventHandler(onAdd: PodAdded, onUpdate: PodUpdated, onDelete: PodDeleted);
        _nodes.AddEventHandler(onAdd: _ => EnqueueAll(), onUpdate: NodeUpdated, onDelete: _ => EnqueueAll());
    }

    string IController.Name => "daemonset";

    public Task RunAsync(CancellationToken cancellationToken) =>
        RunAsync(_context.Options.Workers, [_sets, _pods, _nodes, _revisions], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var set = _sets.Cache.Get(key);
        if (set is null)
        {
            _expectations.DeleteExpectations(key);
            return;
        }

        if (set.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        var revisions = await _history.ResolveAsync(
            set, "DaemonSet", set.Spec.Template, _revisions.Cache.ListByOwnerUid(set.Metadata.Uid), null, set.Status?.CollisionCount ?? 0, cancellationToken).ConfigureAwait(false);
        var hash = HashOf(set, revisions.Update);
        var pods = await ClaimPodsAsync(set, cancellationToken).ConfigureAwait(false);
        var plan = DaemonSetPlan.Make(set, _nodes.Cache.List(), pods, hash, _context.Time.GetUtcNow());
        plan.Status.CollisionCount = revisions.CollisionCount;

        Exception? failure = null;
        if (_expectations.SatisfiedExpectations(key))
        {
            failure = await ApplyAsync(key, set, plan, hash, cancellationToken).ConfigureAwait(false);
        }

        await UpdateStatusAsync(set, plan.Status, cancellationToken).ConfigureAwait(false);
        var live = pods.Select(p => LabelOf(p.Metadata)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var liveNames = revisions.All.Where(r => r.Metadata.Name == revisions.Update.Metadata.Name || live.Contains(HashOf(set, r))).Select(r => r.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        await _history.TruncateAsync(revisions.All, liveNames, set.Spec.RevisionHistoryLimit ?? 10, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        if (plan.RequeueAt is { } at)
        {
            EnqueueAt(key, at);
        }
    }

    private static string HashOf(V1DaemonSet set, V1ControllerRevision revision) =>
        LabelOf(revision.Metadata) ?? revision.Metadata.Name[(set.Metadata.Name.Length + 1)..];

    private static string? LabelOf(V1ObjectMeta meta) => meta.Labels is { } labels && labels.TryGetValue(RevisionHistory.HashLabel, out var hash) ? hash : null;

    /// <summary>Creates and deletes what the plan says, expecting each change so a lagging cache does not repeat it.</summary>
    private async Task<Exception?> ApplyAsync(string key, V1DaemonSet set, DaemonSetPlan plan, string hash, CancellationToken cancellationToken)
    {
        var deletes = plan.Delete.Concat(plan.Failed.Select(f => f.Pod)).DistinctBy(p => p.Metadata.Uid).ToList();
        _expectations.SetExpectations(key, plan.CreateOn.Count, deletes.Count);
        Exception? failure = null;
        foreach (var f in plan.Failed)
        {
            _context.Events.Warning(Component, set, "FailedDaemonPod", $"Found failed daemon pod {f.Pod.Metadata.NamespaceProperty}/{f.Pod.Metadata.Name} on node {f.Node}, will try to kill it");
        }

        foreach (var node in plan.CreateOn)
        {
            try
            {
                var created = await _context.Client.CoreV1.CreateNamespacedPodAsync(DaemonPodTemplate.NewPod(set, node, hash), set.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                _context.Events.Normal(Component, set, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _expectations.LowerExpectations(key, 1, 0);
                _context.Events.Warning(Component, set, "FailedCreate", $"Error creating: {ApiErrors.MessageOf(e)}");
                failure ??= e;
            }
        }

        foreach (var pod in deletes)
        {
            try
            {
                await _context.Client.CoreV1.DeleteNamespacedPodAsync(
                    pod.Metadata.Name,
                    pod.Metadata.NamespaceProperty,
                    new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                _context.Events.Normal(Component, set, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _expectations.LowerExpectations(key, 0, 1);
                if (!ApiErrors.IsNotFound(e) && !ApiErrors.IsConflict(e))
                {
                    _context.Events.Warning(Component, set, "FailedDelete", $"Error deleting: {ApiErrors.MessageOf(e)}");
                    failure ??= e;
                }
            }
        }

        return failure;
    }

    private async Task UpdateStatusAsync(V1DaemonSet set, V1DaemonSetStatus status, CancellationToken cancellationToken)
    {
        status.Conditions = set.Status?.Conditions;
        if (set.Status is not null && KubernetesJson.Serialize(set.Status) == KubernetesJson.Serialize(status))
        {
            return;
        }

        await StatusUpdates.ReplaceAsync(
            set,
            s => s.Status = status,
            ct => _context.Client.AppsV1.ReadNamespacedDaemonSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty, cancellationToken: ct),
            (s, ct) => _context.Client.AppsV1.ReplaceNamespacedDaemonSetStatusAsync(s, set.Metadata.Name, set.Metadata.NamespaceProperty, cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The set's pods (upstream's getDaemonPods): its own, plus matching orphans it adopts; strays are released.</summary>
    private Task<IReadOnlyList<V1Pod>> ClaimPodsAsync(V1DaemonSet set, CancellationToken cancellationToken)
    {
        var manager = ControllerRefs.ForPods(
            _context.Client,
            set,
            "apps/v1",
            "DaemonSet",
            ObjectSelectors.From(set.Spec.Selector),
            async ct => (await _context.Client.AppsV1.ReadNamespacedDaemonSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false)).Metadata);
        var candidates = _pods.Cache.ClaimCandidates(set.Metadata.Uid, set.Metadata.NamespaceProperty);
        return manager.ClaimAsync(candidates, null, cancellationToken);
    }

    /// <summary>An orphan wakes every set in its namespace whose selector matches it, which may adopt it.</summary>
    private void EnqueueMatchingSets(V1Pod pod)
    {
        foreach (var set in ObjectSelectors.MayAdopt(pod.Metadata, _sets.Cache.ListByNamespace(pod.Metadata.NamespaceProperty), o => o.Spec?.Selector))
        {
            Enqueue(set);
        }
    }

    private V1DaemonSet? OwnerOf(V1Pod pod)
    {
        var owner = ObjectSelectors.ControllerOf(pod.Metadata);
        return owner?.Kind == "DaemonSet" && _sets.Cache.Get(pod.Metadata.NamespaceProperty, owner.Name) is { } set && set.Metadata.Uid == owner.Uid ? set : null;
    }

    private void PodAdded(V1Pod pod)
    {
        if (OwnerOf(pod) is { } set)
        {
            _expectations.CreationObserved(ObjectKeys.KeyOf(set));
            Enqueue(set);
        }
        else
        {
            EnqueueMatchingSets(pod);
        }
    }

    private void PodUpdated(V1Pod old, V1Pod pod)
    {
        // A pod released by (or taken from) a set wakes that set too.
        if (OwnerOf(old) is { } previous && previous.Metadata.Uid != OwnerOf(pod)?.Metadata.Uid)
        {
            Enqueue(previous);
        }

        EnqueueMatchingSets(pod);
        if (OwnerOf(pod) is { } set)
        {
            // A graceful deletion counts as observed when it starts, as upstream's updatePod does.
            if (old.Metadata.DeletionTimestamp is null && pod.Metadata.DeletionTimestamp is not null)
            {
                _expectations.DeletionObserved(ObjectKeys.KeyOf(set));
            }

            Enqueue(set);
        }
    }

    private void PodDeleted(V1Pod pod)
    {
        if (OwnerOf(pod) is { } set)
        {
            if (pod.Metadata.DeletionTimestamp is null || (pod.Metadata.DeletionGracePeriodSeconds ?? 0) == 0)
            {
                _expectations.DeletionObserved(ObjectKeys.KeyOf(set));
            }

            Enqueue(set);
        }
    }

    /// <summary>Node heartbeats change nothing a DaemonSet decides on; labels, taints, schedulability and readiness do.</summary>
    private void NodeUpdated(V1Node old, V1Node node)
    {
        static string Shape(V1Node n) => KubernetesJson.Serialize(new object?[]
        {
            n.Metadata.Labels, n.Spec?.Taints, n.Spec?.Unschedulable,
            n.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status,
        });

        if (Shape(old) != Shape(node))
        {
            EnqueueAll();
        }
    }

    private void EnqueueAll()
    {
        foreach (var set in _sets.Cache.List())
        {
            Enqueue(set);
        }
    }
}
