using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Expectations;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>
/// Keeps spec.replicas pods of every ReplicaSet (upstream's replicaset controller): creates from
/// the template in slow-start batches, deletes the surplus by <see cref="PodDeletionRanking"/>,
/// adopts matching orphans and releases pods that stopped matching, and reports status.
/// Expectations stop a sync from acting again before the informer has seen its last creates and deletes.
/// The same logic runs over ReplicationControllers (upstream's replication manager is the
/// ReplicaSet controller over converted RCs): <typeparamref name="TSet"/> is the kind it manages,
/// and <see cref="IReplicatedKind{TSet}"/> gives its ReplicaSet view, its status write and its live read.
/// </summary>
/// <typeparam name="TSet">V1ReplicaSet or V1ReplicationController.</typeparam>
public partial class ReplicaSetController<TSet> : Controller, IController
    where TSet : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Upstream's BurstReplicas: at most this many creates or deletes per sync.</summary>
    internal const int BurstReplicas = 500;

    private readonly ControllerContext _context;
    private readonly IReplicatedKind<TSet> _kind;
    private readonly SharedInformer<TSet> _replicaSets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly UidTrackingExpectations _expectations;

    protected ReplicaSetController(ControllerContext context, IReplicatedKind<TSet> kind)
        : base(kind.Component, context.Loggers.CreateLogger(kind.Component), context.Time)
    {
        _context = context;
        _kind = kind;
        _expectations = new UidTrackingExpectations(context.Time);
        _replicaSets = context.Informers.Get(kind.Resource);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _replicaSets.AddEventHandler(
            onAdd: Enqueue,
            onUpdate: (_, rs) => Enqueue(rs),
            onDelete: rs =>
            {
                _expectations.DeleteExpectations(ObjectKeys.KeyOf(rs));
                Enqueue(rs);
            });
        _pods.AddEventHandler(OnPodAdded, OnPodUpdated, OnPodDeleted);
    }

    string IController.Name => _kind.ControllerName;

    private string Component => _kind.Component;

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_replicaSets, _pods], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _replicaSets.Cache.Get(key);
        if (cached is null)
        {
            _expectations.DeleteExpectations(key);
            return;
        }

        var rs = _kind.View(cached);

        var needsSync = _expectations.SatisfiedExpectations(key);
        var selector = ObjectSelectors.From(rs.Spec?.Selector);
        // Its own pods and the namespace's orphans (all it may claim), not the whole namespace:
        // a sync costs the ReplicaSet's size, not the cluster's, however many pods share the namespace.
        var active = _pods.Cache.ClaimCandidates(rs.Metadata.Uid, rs.Metadata.NamespaceProperty).Where(PodConditions.IsPodActive).ToList();
        var owned = await ClaimPodsAsync(rs, selector, active, cancellationToken).ConfigureAwait(false);

        Exception? manageError = null;
        if (needsSync && rs.Metadata.DeletionTimestamp is null)
        {
            manageError = await ManageReplicasAsync(key, rs, owned, cancellationToken).ConfigureAwait(false);
        }

        var status = ReplicaSetStatusBuilder.Build(rs, owned, manageError, _context.Time.GetUtcNow());
        var updated = await UpdateStatusAsync(cached, rs, status, cancellationToken).ConfigureAwait(false);
        if (manageError is not null)
        {
            throw manageError;
        }

        var minReady = updated.Spec?.MinReadySeconds ?? 0;
        if (minReady > 0 && updated.Status.ReadyReplicas == updated.Spec?.Replicas && updated.Status.AvailableReplicas != updated.Spec?.Replicas)
        {
            EnqueueAfter(key, TimeSpan.FromSeconds(minReady));
        }
    }

    private async Task<V1ReplicaSet> UpdateStatusAsync(TSet cached, V1ReplicaSet rs, V1ReplicaSetStatus status, CancellationToken cancellationToken)
    {
        if (ReplicaSetStatusBuilder.Same(rs.Status, status) && rs.Status?.ObservedGeneration == rs.Metadata.Generation)
        {
            return rs;
        }

        status.ObservedGeneration = rs.Metadata.Generation;
        try
        {
            return await _kind.UpdateStatusAsync(_context.Client, cached, status, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e))
        {
            return rs;
        }
    }

    private V1ReplicaSet? ResolveControllerRef(string? ns, V1OwnerReference? owner)
    {
        if (owner is null || owner.Kind != _kind.Resource.Kind || ns is null)
        {
            return null;
        }

        var rs = _replicaSets.Cache.Get(ns, owner.Name);
        return rs?.Metadata.Uid == owner.Uid ? _kind.View(rs) : null;
    }

    private void EnqueueMatchingReplicaSets(V1Pod pod)
    {
        foreach (var rs in _replicaSets.Cache.ListByNamespace(pod.Metadata.NamespaceProperty).Select(_kind.View))
        {
            if (ObjectSelectors.Matches(ObjectSelectors.From(rs.Spec?.Selector), pod.Metadata))
            {
                Enqueue(rs);
            }
        }
    }

    private void OnPodAdded(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // Seen for the first time already terminating (e.g. after a relist): a deletion, not a creation.
            OnPodDeleted(pod);
            return;
        }

        if (ObjectSelectors.ControllerOf(pod.Metadata) is { } owner)
        {
            if (ResolveControllerRef(pod.Metadata.NamespaceProperty, owner) is { } rs)
            {
                _expectations.CreationObserved(ObjectKeys.KeyOf(rs));
                Enqueue(rs);
            }

            return;
        }

        EnqueueMatchingReplicaSets(pod);
    }

    private void OnPodUpdated(V1Pod old, V1Pod pod)
    {
        if (old.Metadata.ResourceVersion == pod.Metadata.ResourceVersion)
        {
            return;
        }

        var labelsChanged = !LabelsEqual(old.Metadata.Labels, pod.Metadata.Labels);
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // Graceful deletion: the pod is gone for counting purposes as soon as it is terminating.
            OnPodDeleted(pod);
            if (labelsChanged)
            {
                OnPodDeleted(old);
            }

            return;
        }

        var oldOwner = ObjectSelectors.ControllerOf(old.Metadata);
        var owner = ObjectSelectors.ControllerOf(pod.Metadata);
        var ownerChanged = oldOwner?.Uid != owner?.Uid;
        if (ownerChanged && ResolveControllerRef(old.Metadata.NamespaceProperty, oldOwner) is { } oldRs)
        {
            Enqueue(oldRs);
        }

        if (owner is not null)
        {
            if (ResolveControllerRef(pod.Metadata.NamespaceProperty, owner) is { } rs)
            {
                Enqueue(rs);
                var minReady = rs.Spec?.MinReadySeconds ?? 0;
                if (minReady > 0 && !PodConditions.IsPodReady(old) && PodConditions.IsPodReady(pod))
                {
                    // Availability is a matter of time: look again once minReadySeconds have passed.
                    EnqueueAfter(ObjectKeys.KeyOf(rs), TimeSpan.FromSeconds(minReady + 1));
                }
            }

            return;
        }

        if (labelsChanged || ownerChanged)
        {
            EnqueueMatchingReplicaSets(pod);
        }
    }

    private void OnPodDeleted(V1Pod pod)
    {
        if (ResolveControllerRef(pod.Metadata.NamespaceProperty, ObjectSelectors.ControllerOf(pod.Metadata)) is { } rs)
        {
            var key = ObjectKeys.KeyOf(rs);
            _expectations.DeletionObserved(key, ObjectKeys.KeyOf(pod));
            Enqueue(key);
        }
    }

    private static bool LabelsEqual(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        a ??= new Dictionary<string, string>();
        b ??= new Dictionary<string, string>();
        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }
}
