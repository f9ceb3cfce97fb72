using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.ReplicaSet;

namespace Timonel.Controllers.Deployment;

public sealed partial class DeploymentController
{
    /// <summary>
    /// Finds (or, when <paramref name="create"/>, creates) the ReplicaSet for the current template
    /// and brings revisions up to date (upstream's getAllReplicaSetsAndSyncRevision). A template
    /// equal to an old ReplicaSet's (a rollback) reuses that ReplicaSet under a new revision.
    /// </summary>
    private async Task<V1ReplicaSet?> SyncNewReplicaSetAsync(Rollout rollout, bool create, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        var existing = rollout.NewReplicaSet;
        var newRevision = RevisionAnnotations.MaxRevision(rollout.OldReplicaSets) + 1;
        if (existing is not null)
        {
            var copy = ObjectCopy.DeepCopy(existing);
            var annotationsChanged = RevisionAnnotations.SetNewReplicaSetAnnotations(d, copy, newRevision, exists: true);
            var minReadyChanged = (copy.Spec.MinReadySeconds ?? 0) != (d.Spec.MinReadySeconds ?? 0);
            if (annotationsChanged || minReadyChanged)
            {
                copy.Spec.MinReadySeconds = d.Spec.MinReadySeconds;
                copy = await _context.Client.AppsV1.ReplaceNamespacedReplicaSetAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                rollout.Replace(copy);
            }

            var needsUpdate = RevisionAnnotations.SetDeploymentRevision(d, RevisionAnnotations.Get(copy.Metadata, RevisionAnnotations.Revision));
            if (DeploymentConditions.HasProgressDeadline(d) && DeploymentConditions.Get(d.Status, DeploymentConditions.Progressing) is null)
            {
                d.Status ??= new V1DeploymentStatus();
                DeploymentConditions.Set(d.Status, DeploymentConditions.New(DeploymentConditions.Progressing, "True", DeploymentConditions.FoundNewReplicaSet, $"Found new replica set \"{copy.Metadata.Name}\"", Now));
                needsUpdate = true;
            }

            if (needsUpdate)
            {
                await UpdateStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
            }

            return copy;
        }

        return create ? await CreateNewReplicaSetAsync(rollout, newRevision, cancellationToken).ConfigureAwait(false) : null;
    }

    private async Task<V1ReplicaSet?> CreateNewReplicaSetAsync(Rollout rollout, long newRevision, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        var template = ObjectCopy.DeepCopy(d.Spec.Template);
        var hash = PodTemplateHash.Compute(template, d.Status?.CollisionCount);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels ??= new Dictionary<string, string>();
        template.Metadata.Labels[PodTemplateHash.Label] = hash;
        var selector = ObjectCopy.DeepCopy(d.Spec.Selector);
        selector.MatchLabels ??= new Dictionary<string, string>();
        selector.MatchLabels[PodTemplateHash.Label] = hash;
        var rs = new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = $"{d.Metadata.Name}-{hash}",
                NamespaceProperty = d.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(template.Metadata.Labels),
                OwnerReferences = [ControllerRefs.ControllerRef("apps/v1", "Deployment", d.Metadata)],
            },
            Spec = new V1ReplicaSetSpec { Replicas = 0, MinReadySeconds = d.Spec.MinReadySeconds, Selector = selector, Template = template },
        };
        var replicas = RolloutMath.NewReplicaSetReplicas(d, [.. rollout.OldReplicaSets, rs], rs);
        rs.Spec.Replicas = replicas;
        RevisionAnnotations.SetNewReplicaSetAnnotations(d, rs, newRevision, exists: false);

        V1ReplicaSet created;
        var alreadyExists = false;
        try
        {
            created = await _context.Client.AppsV1.CreateNamespacedReplicaSetAsync(rs, rs.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsAlreadyExists(e))
        {
            var found = await _context.Client.AppsV1.ReadNamespacedReplicaSetAsync(rs.Metadata.Name, rs.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ObjectSelectors.ControllerOf(found.Metadata)?.Uid == d.Metadata.Uid && PodTemplateHash.EqualIgnoreHash(found.Spec.Template, d.Spec.Template))
            {
                // Ours, from an earlier sync whose create the cache has not shown yet.
                created = found;
                alreadyExists = true;
            }
            else
            {
                // A hash collision with someone else's ReplicaSet: the next hash includes a bumped collision count.
                d.Status ??= new V1DeploymentStatus();
                d.Status.CollisionCount = (d.Status.CollisionCount ?? 0) + 1;
                await UpdateStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"replica set \"{rs.Metadata.Name}\" already exists and does not belong to deployment \"{d.Metadata.Name}\"; retrying with collision count {d.Status.CollisionCount}", e);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var message = $"Failed to create new replica set \"{rs.Metadata.Name}\": {ApiErrors.MessageOf(e)}";
            if (DeploymentConditions.HasProgressDeadline(d))
            {
                d.Status ??= new V1DeploymentStatus();
                DeploymentConditions.Set(d.Status, DeploymentConditions.New(DeploymentConditions.Progressing, "False", DeploymentConditions.ReplicaSetCreateError, message, Now));
                await UpdateStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
            }

            _context.Events.Warning(Component, d, DeploymentConditions.ReplicaSetCreateError, message);
            throw;
        }

        rollout.Replace(created);
        if (!alreadyExists && replicas > 0)
        {
            _context.Events.Normal(Component, d, "ScalingReplicaSet", $"Scaled up replica set {created.Metadata.Name} from 0 to {replicas}");
        }

        var needsUpdate = RevisionAnnotations.SetDeploymentRevision(d, RevisionAnnotations.Get(created.Metadata, RevisionAnnotations.Revision));
        if (!alreadyExists && DeploymentConditions.HasProgressDeadline(d))
        {
            d.Status ??= new V1DeploymentStatus();
            DeploymentConditions.Set(d.Status, DeploymentConditions.New(DeploymentConditions.Progressing, "True", DeploymentConditions.NewReplicaSetCreated, $"Created new replica set \"{created.Metadata.Name}\"", Now));
            needsUpdate = true;
        }

        if (needsUpdate)
        {
            await UpdateStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
        }

        return created;
    }

    /// <summary>Sets a ReplicaSet's size and replica annotations; whether the size changed (then a ScalingReplicaSet event is recorded).</summary>
    private async Task<bool> ScaleReplicaSetAsync(Rollout rollout, V1ReplicaSet rs, int newScale, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        var oldScale = rs.Spec?.Replicas ?? 0;
        var desired = RolloutMath.Replicas(d);
        var max = desired + RolloutMath.MaxSurge(d);
        var sizeChanged = oldScale != newScale;
        if (!sizeChanged && !RevisionAnnotations.ReplicasAnnotationsNeedUpdate(rs, desired, max))
        {
            return false;
        }

        var copy = ObjectCopy.DeepCopy(rs);
        copy.Spec.Replicas = newScale;
        RevisionAnnotations.SetReplicasAnnotations(copy, desired, max);
        var updated = await _context.Client.AppsV1.ReplaceNamespacedReplicaSetAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        rollout.Replace(updated);
        if (sizeChanged)
        {
            var direction = oldScale < newScale ? "up" : "down";
            _context.Events.Normal(Component, d, "ScalingReplicaSet", $"Scaled {direction} replica set {rs.Metadata.Name} from {oldScale} to {newScale}");
        }

        return sizeChanged;
    }

    private async Task UpdateStatusAsync(Rollout rollout, CancellationToken cancellationToken) =>
        rollout.Deployment = await UpdateStatusAsync(rollout.Deployment, cancellationToken).ConfigureAwait(false);

    private async Task<V1Deployment> UpdateStatusAsync(V1Deployment d, CancellationToken cancellationToken) =>
        await _context.Client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(d, d.Metadata.Name, d.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit.</summary>
    private async Task CleanupAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        if (rollout.Deployment.Spec.RevisionHistoryLimit is not { } limit)
        {
            return;
        }

        var cleanable = rollout.OldReplicaSets.Where(rs => rs.Metadata.DeletionTimestamp is null)
            .OrderBy(rs => RevisionAnnotations.RevisionOf(rs.Metadata))
            .ThenBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ToList();
        var diff = cleanable.Count - limit;
        for (var i = 0; i < diff; i++)
        {
            var rs = cleanable[i];
            if ((rs.Status?.Replicas ?? 0) != 0 || (rs.Spec?.Replicas ?? 0) != 0 || (rs.Metadata.Generation ?? 0) > (rs.Status?.ObservedGeneration ?? 0))
            {
                continue;
            }

            try
            {
                await _context.Client.AppsV1.DeleteNamespacedReplicaSetAsync(rs.Metadata.Name, rs.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (ApiErrors.IsNotFound(e))
            {
            }

            rollout.Remove(rs);
        }
    }
}
