using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.ReplicaSet;

namespace Timonel.Controllers.Deployment;

/// <summary>
/// Rolls Deployments out through ReplicaSets (upstream's deployment controller): one ReplicaSet per
/// pod template, named "&lt;deployment&gt;-&lt;pod-template-hash&gt;"; RollingUpdate within
/// maxSurge/maxUnavailable, or Recreate; revisions, rollback by template, pause, proportional
/// scaling, history cleanup, progress deadline and the Available/Progressing conditions.
/// </summary>
public sealed partial class DeploymentController : Controller, IController
{
    private const string Component = "deployment-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Deployment> _deployments;
    private readonly SharedInformer<V1ReplicaSet> _replicaSets;
    private readonly SharedInformer<V1Pod> _pods;

    public DeploymentController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _deployments = context.Informers.Get(ResourceKinds.Deployments);
        _replicaSets = context.Informers.Get(ResourceKinds.ReplicaSets);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _deployments.AddEventHandler(onAdd: Enqueue, onUpdate: (_, d) => Enqueue(d), onDelete: Enqueue);
        _replicaSets.AddEventHandler(OnReplicaSetAdded, OnReplicaSetUpdated, OnReplicaSetDeleted);
        _pods.AddEventHandler(onDelete: OnPodDeleted);
    }

    string IController.Name => "deployment";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_deployments, _replicaSets, _pods], cancellationToken);

    private DateTimeOffset Now => _context.Time.GetUtcNow();

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _deployments.Cache.Get(key);
        if (cached is null)
        {
            return;
        }

        var d = ObjectCopy.DeepCopy(cached);
        if (d.Spec?.Selector is null || ((d.Spec.Selector.MatchLabels?.Count ?? 0) == 0 && (d.Spec.Selector.MatchExpressions?.Count ?? 0) == 0))
        {
            _context.Events.Warning(Component, d, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            if (d.Status?.ObservedGeneration != d.Metadata.Generation)
            {
                d.Status ??= new V1DeploymentStatus();
                d.Status.ObservedGeneration = d.Metadata.Generation;
                await UpdateStatusAsync(d, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var rollout = new Rollout(d, await ClaimReplicaSetsAsync(d, cancellationToken).ConfigureAwait(false));
        if (d.Metadata.DeletionTimestamp is not null)
        {
            await SyncStatusOnlyAsync(rollout, cancellationToken).ConfigureAwait(false);
            return;
        }

        await CheckPausedConditionsAsync(rollout, cancellationToken).ConfigureAwait(false);
        if (rollout.Deployment.Spec.Paused == true)
        {
            await SyncScaleAsync(rollout, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (await IsScalingEventAsync(rollout, cancellationToken).ConfigureAwait(false))
        {
            await SyncScaleAsync(rollout, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (rollout.Deployment.Spec.Strategy?.Type == "Recreate")
        {
            await RolloutRecreateAsync(rollout, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RolloutRollingAsync(rollout, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The ReplicaSets this Deployment controls (deep copies), adopting matching orphans and
    /// releasing owned ones whose labels stopped matching (upstream's ClaimReplicaSets).
    /// </summary>
    private async Task<List<V1ReplicaSet>> ClaimReplicaSetsAsync(V1Deployment d, CancellationToken cancellationToken)
    {
        var manager = ControllerRefs.ForReplicaSets(
            _context.Client,
            d,
            "apps/v1",
            "Deployment",
            ObjectSelectors.From(d.Spec.Selector),
            async ct => (await _context.Client.AppsV1.ReadNamespacedDeploymentAsync(d.Metadata.Name, d.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false)).Metadata);
        var claimed = await manager.ClaimAsync(_replicaSets.Cache.ListByNamespace(d.Metadata.NamespaceProperty), null, cancellationToken).ConfigureAwait(false);
        return [.. claimed.Select(ObjectCopy.DeepCopy)];
    }

    private V1Deployment? ResolveControllerRef(string? ns, V1OwnerReference? owner)
    {
        if (owner is not { Kind: "Deployment" } || ns is null)
        {
            return null;
        }

        var d = _deployments.Cache.Get(ns, owner.Name);
        return d?.Metadata.Uid == owner.Uid ? d : null;
    }

    private void EnqueueMatchingDeployments(V1ReplicaSet rs)
    {
        foreach (var d in _deployments.Cache.ListByNamespace(rs.Metadata.NamespaceProperty))
        {
            if (ObjectSelectors.Matches(ObjectSelectors.From(d.Spec?.Selector), rs.Metadata))
            {
                Enqueue(d);
            }
        }
    }

    private void OnReplicaSetAdded(V1ReplicaSet rs)
    {
        if (ResolveControllerRef(rs.Metadata.NamespaceProperty, ObjectSelectors.ControllerOf(rs.Metadata)) is { } d)
        {
            Enqueue(d);
        }
        else if (ObjectSelectors.ControllerOf(rs.Metadata) is null)
        {
            EnqueueMatchingDeployments(rs);
        }
    }

    private void OnReplicaSetUpdated(V1ReplicaSet old, V1ReplicaSet rs)
    {
        if (old.Metadata.ResourceVersion == rs.Metadata.ResourceVersion)
        {
            return;
        }

        var oldOwner = ObjectSelectors.ControllerOf(old.Metadata);
        var owner = ObjectSelectors.ControllerOf(rs.Metadata);
        if (oldOwner?.Uid != owner?.Uid && ResolveControllerRef(old.Metadata.NamespaceProperty, oldOwner) is { } previous)
        {
            Enqueue(previous);
        }

        if (owner is not null)
        {
            if (ResolveControllerRef(rs.Metadata.NamespaceProperty, owner) is { } d)
            {
                Enqueue(d);
            }

            return;
        }

        EnqueueMatchingDeployments(rs);
    }

    private void OnReplicaSetDeleted(V1ReplicaSet rs)
    {
        if (ResolveControllerRef(rs.Metadata.NamespaceProperty, ObjectSelectors.ControllerOf(rs.Metadata)) is { } d)
        {
            Enqueue(d);
        }
    }

    /// <summary>Recreate waits for every old pod to be gone: a pod deletion may be what it waits for.</summary>
    private void OnPodDeleted(V1Pod pod)
    {
        var rsOwner = ObjectSelectors.ControllerOf(pod.Metadata);
        if (rsOwner is not { Kind: "ReplicaSet" } || pod.Metadata.NamespaceProperty is not { } ns)
        {
            return;
        }

        var rs = _replicaSets.Cache.Get(ns, rsOwner.Name);
        if (rs is not null && ResolveControllerRef(ns, ObjectSelectors.ControllerOf(rs.Metadata)) is { Spec.Strategy.Type: "Recreate" } d)
        {
            Enqueue(d);
        }
    }
}
