using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.History;

namespace Timonel.Controllers.StatefulSet;

/// <summary>
/// Upstream's statefulset controller: pods with stable names and claims per ordinal, created and
/// removed in order (OrderedReady) or all at once (Parallel), rolled to new templates through
/// ControllerRevisions (RollingUpdate with partition, or OnDelete), and the set's status.
/// </summary>
public sealed class StatefulSetController : Controller, IController
{
    private readonly ControllerContext _context;
    private readonly SharedInformer<V1StatefulSet> _sets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1ControllerRevision> _revisions;
    private readonly SharedInformer<V1PersistentVolumeClaim> _claims;
    private readonly RevisionHistory _history;
    private readonly StatefulSetControl _control;

    public StatefulSetController(ControllerContext context)
        : base("statefulset-controller", context.Loggers.CreateLogger("statefulset-controller"), context.Time)
    {
        _context = context;
        _sets = context.Informers.Get(ResourceKinds.StatefulSets);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _revisions = context.Informers.Get(ResourceKinds.ControllerRevisions);
        _claims = context.Informers.Get(ResourceKinds.PersistentVolumeClaims);
        _history = new RevisionHistory(context.Client);
        _control = new StatefulSetControl(context, _claims.Cache);
        _sets.AddEventHandler(onAdd: Enqueue, onUpdate: (_, s) => Enqueue(s), onDelete: Enqueue);
        _pods.AddEventHandler(onAdd: EnqueueOwner, onUpdate: (old, pod) => { EnqueueOwner(old); EnqueueOwner(pod); }, onDelete: EnqueueOwner);
    }

    string IController.Name => "statefulset";

    public Task RunAsync(CancellationToken cancellationToken) =>
        RunAsync(_context.Options.Workers, [_sets, _pods, _revisions, _claims], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var set = _sets.Cache.Get(key);
        if (set is null || set.Metadata.DeletionTimestamp is not null)
        {
            // Pods and revisions of a deleted set go with it through their ownerReferences.
            return;
        }

        var pods = await ClaimPodsAsync(set, cancellationToken).ConfigureAwait(false);
        var revisions = await _history.ResolveAsync(
            set,
            "StatefulSet",
            set.Spec.Template,
            _revisions.Cache.ListByOwnerUid(set.Metadata.Uid),
            set.Status?.CurrentRevision,
            set.Status?.CollisionCount ?? 0,
            cancellationToken).ConfigureAwait(false);

        var result = await _control.UpdateAsync(set, revisions, pods, cancellationToken).ConfigureAwait(false);
        await UpdateStatusAsync(set, result.Status, cancellationToken).ConfigureAwait(false);
        if (result.Error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(result.Error);
        }

        var live = new HashSet<string>(StringComparer.Ordinal) { revisions.Current.Metadata.Name, revisions.Update.Metadata.Name };
        foreach (var pod in pods)
        {
            if (pod.Metadata.Labels?.TryGetValue(RevisionHistory.HashLabel, out var used) == true)
            {
                live.Add(used);
            }
        }

        await _history.TruncateAsync(revisions.All, live, set.Spec.RevisionHistoryLimit ?? 10, cancellationToken).ConfigureAwait(false);
        if (result.RequeueAt is { } at)
        {
            EnqueueAt(key, at);
        }
    }

    /// <summary>
    /// The set's pods (upstream's getPodsForStatefulSet): those it controls, plus orphans matching its
    /// selector and named after it, which it adopts; owned pods that stop matching are released.
    /// </summary>
    private async Task<List<V1Pod>> ClaimPodsAsync(V1StatefulSet set, CancellationToken cancellationToken)
    {
        var manager = ControllerRefs.ForPods(
            _context.Client,
            set,
            "apps/v1",
            "StatefulSet",
            ObjectSelectors.From(set.Spec.Selector),
            async ct => (await _context.Client.AppsV1.ReadNamespacedStatefulSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false)).Metadata);
        var candidates = _pods.Cache.ClaimCandidates(set.Metadata.Uid, set.Metadata.NamespaceProperty);
        var claimed = await manager.ClaimAsync(candidates, p => StatefulPodIdentity.OrdinalOf(set.Metadata.Name, p.Metadata.Name) is not null, cancellationToken).ConfigureAwait(false);
        return [.. claimed];
    }

    private async Task UpdateStatusAsync(V1StatefulSet set, V1StatefulSetStatus status, CancellationToken cancellationToken)
    {
        var old = set.Status;
        status.Conditions = old?.Conditions;
        if (old is not null && KubernetesJson.Serialize(old) == KubernetesJson.Serialize(status))
        {
            return;
        }

        await StatusUpdates.ReplaceAsync(
            set,
            s => s.Status = status,
            ct => _context.Client.AppsV1.ReadNamespacedStatefulSetAsync(set.Metadata.Name, set.Metadata.NamespaceProperty, cancellationToken: ct),
            (s, ct) => _context.Client.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(s, set.Metadata.Name, set.Metadata.NamespaceProperty, cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A pod event wakes the set that controls it; an orphan wakes every set in its namespace that could adopt it.</summary>
    private void EnqueueOwner(V1Pod pod)
    {
        var owner = ObjectSelectors.ControllerOf(pod.Metadata);
        if (owner is not null)
        {
            if (owner.Kind == "StatefulSet" && _sets.Cache.Get(pod.Metadata.NamespaceProperty, owner.Name) is { } set && set.Metadata.Uid == owner.Uid)
            {
                Enqueue(set);
            }

            return;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        foreach (var set in _sets.Cache.ListByNamespace(pod.Metadata.NamespaceProperty))
        {
            if (StatefulPodIdentity.OrdinalOf(set.Metadata.Name, pod.Metadata.Name) is not null)
            {
                Enqueue(set);
            }
        }
    }
}
