using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.History;

namespace Timonel.Controllers.StatefulSet;

/// <summary>What one sync of a StatefulSet decided: the status to record, when to look again (minReadySeconds), and the step that failed if one did.</summary>
public sealed record StatefulSetSyncResult(V1StatefulSetStatus Status, DateTimeOffset? RequeueAt, Exception? Error);

/// <summary>
/// One pass of upstream's StatefulSet algorithm over the pods a set owns: fill missing ordinals
/// (claims first), replace finished pods, remove ordinals beyond the replica count from the
/// highest down, then roll pods to the update revision from the highest ordinal down to the
/// partition. With OrderedReady every step waits until the pods before it are Running and Ready;
/// Parallel does not wait. Each step's outcome arrives through the informers and triggers the next sync.
/// </summary>
internal sealed class StatefulSetControl(ControllerContext context, ObjectCache<V1PersistentVolumeClaim> claims)
{
    private const string Component = "statefulset-controller";

    public async Task<StatefulSetSyncResult> UpdateAsync(V1StatefulSet set, WorkloadRevisions revisions, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var status = ComputeStatus(set, revisions, pods);
        try
        {
            // The requeue is an absolute time from the reading the step decisions were made at:
            // a delay would be measured again from a later reading, after this sync's API calls.
            var now = context.Time.GetUtcNow();
            var requeue = await ReconcileAsync(set, revisions, pods, now, cancellationToken).ConfigureAwait(false);
            return new StatefulSetSyncResult(status, now + requeue, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The status is recorded even when a step failed, as upstream does; the error then requeues the set.
            return new StatefulSetSyncResult(status, null, e);
        }
    }

    /// <summary>Status from the pods as observed at the start of the sync; the events of this sync's changes bring the next.</summary>
    internal V1StatefulSetStatus ComputeStatus(V1StatefulSet set, WorkloadRevisions revisions, IReadOnlyList<V1Pod> pods)
    {
        var now = context.Time.GetUtcNow();
        var minReady = set.Spec.MinReadySeconds ?? 0;
        var status = new V1StatefulSetStatus
        {
            ObservedGeneration = set.Metadata.Generation,
            CurrentRevision = revisions.Current.Metadata.Name,
            UpdateRevision = revisions.Update.Metadata.Name,
            CollisionCount = revisions.CollisionCount,
            Replicas = 0,
            ReadyReplicas = 0,
            AvailableReplicas = 0,
            CurrentReplicas = 0,
            UpdatedReplicas = 0,
        };
        foreach (var pod in pods)
        {
            status.Replicas++;
            if (PodConditions.IsRunningAndReady(pod))
            {
                status.ReadyReplicas++;
                if (PodConditions.IsPodAvailable(pod, minReady, now))
                {
                    status.AvailableReplicas++;
                }
            }

            if (!PodConditions.IsPodTerminating(pod))
            {
                var revision = RevisionOf(pod);
                if (revision == status.CurrentRevision)
                {
                    status.CurrentReplicas++;
                }

                if (revision == status.UpdateRevision)
                {
                    status.UpdatedReplicas++;
                }
            }
        }

        // A finished rolling update makes the update revision current (upstream's completeRollingUpdate).
        if (set.Spec.UpdateStrategy?.Type != "OnDelete" && status.UpdatedReplicas == status.Replicas && status.ReadyReplicas == status.Replicas
            && status.Replicas == (set.Spec.Replicas ?? 1))
        {
            status.CurrentReplicas = status.UpdatedReplicas;
            status.CurrentRevision = status.UpdateRevision;
        }

        return status;
    }

    private static string? RevisionOf(V1Pod pod) => pod.Metadata.Labels?.TryGetValue(RevisionHistory.HashLabel, out var r) == true ? r : null;

    private async Task<TimeSpan?> ReconcileAsync(V1StatefulSet set, WorkloadRevisions revisions, IReadOnlyList<V1Pod> pods, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var name = set.Metadata.Name;
        var start = StatefulPodIdentity.StartOrdinal(set);
        var count = set.Spec.Replicas ?? 1;
        var monotonic = set.Spec.PodManagementPolicy != "Parallel";
        var minReady = set.Spec.MinReadySeconds ?? 0;
        var slots = new V1Pod?[count];
        var condemned = new List<(int Ordinal, V1Pod Pod)>();
        foreach (var pod in pods)
        {
            var ordinal = StatefulPodIdentity.OrdinalOf(name, pod.Metadata.Name);
            if (ordinal is { } o && o >= start && o < start + count)
            {
                slots[o - start] = pod;
            }
            else
            {
                condemned.Add((ordinal ?? int.MaxValue, pod));
            }
        }

        condemned.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        var firstUnhealthy = slots.Concat(condemned.Select(c => c.Pod)).FirstOrDefault(p => p is not null && !IsHealthy(p));
        TimeSpan? requeue = null;

        for (var i = 0; i < count; i++)
        {
            var pod = slots[i];
            if (pod is null)
            {
                await CreatePodAsync(set, revisions, start + i, cancellationToken).ConfigureAwait(false);
                if (monotonic)
                {
                    return requeue;
                }

                continue;
            }

            if (PodConditions.IsPodTerminal(pod) && !PodConditions.IsPodTerminating(pod))
            {
                // The replacement is created once the deletion is observed, under the same name.
                await DeletePodAsync(set, pod, cancellationToken).ConfigureAwait(false);
                if (monotonic)
                {
                    return requeue;
                }

                continue;
            }

            if (monotonic && (PodConditions.IsPodTerminating(pod) || !PodConditions.IsRunningAndReady(pod)))
            {
                return requeue;
            }

            if (PodConditions.TimeUntilAvailable(pod, minReady, now) is { } wait)
            {
                requeue = requeue is { } r && r < wait ? r : wait;
                if (monotonic)
                {
                    return requeue;
                }
            }

            await EnsureClaimsAsync(set, start + i, cancellationToken).ConfigureAwait(false);
        }

        for (var t = condemned.Count - 1; t >= 0; t--)
        {
            var pod = condemned[t].Pod;
            if (PodConditions.IsPodTerminating(pod))
            {
                if (monotonic)
                {
                    return requeue;
                }

                continue;
            }

            if (monotonic && !PodConditions.IsRunningAndReady(pod) && !ReferenceEquals(pod, firstUnhealthy))
            {
                return requeue;
            }

            await DeletePodAsync(set, pod, cancellationToken).ConfigureAwait(false);
            if (monotonic)
            {
                return requeue;
            }
        }

        if (set.Spec.PersistentVolumeClaimRetentionPolicy?.WhenScaled == "Delete")
        {
            await DeleteScaledDownClaimsAsync(set, pods, cancellationToken).ConfigureAwait(false);
        }

        if (set.Spec.UpdateStrategy?.Type == "OnDelete")
        {
            return requeue;
        }

        var partition = set.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
        for (var t = count - 1; t >= partition; t--)
        {
            var pod = slots[t];
            if (pod is null)
            {
                return requeue;
            }

            if (RevisionOf(pod) != revisions.Update.Metadata.Name && !PodConditions.IsPodTerminating(pod))
            {
                await DeletePodAsync(set, pod, cancellationToken).ConfigureAwait(false);
                return requeue;
            }

            if (!IsHealthy(pod))
            {
                return requeue;
            }
        }

        return requeue;
    }

    private static bool IsHealthy(V1Pod pod) => PodConditions.IsRunningAndReady(pod) && !PodConditions.IsPodTerminating(pod);

    private async Task CreatePodAsync(V1StatefulSet set, WorkloadRevisions revisions, int ordinal, CancellationToken cancellationToken)
    {
        // Ordinals below the partition are (re)created at the current revision; the rest at the update revision.
        var partition = set.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
        var useCurrent = set.Spec.UpdateStrategy?.Type != "OnDelete" && ordinal < StatefulPodIdentity.StartOrdinal(set) + partition;
        var revision = useCurrent ? revisions.Current : revisions.Update;
        var template = TemplateRevisions.TemplateOf(revision) ?? set.Spec.Template;
        var pod = StatefulPodIdentity.NewPod(set, template, ordinal, revision.Metadata.Name);
        await EnsureClaimsAsync(set, ordinal, cancellationToken).ConfigureAwait(false);
        var podName = pod.Metadata.Name;
        try
        {
            await context.Client.CoreV1.CreateNamespacedPodAsync(pod, set.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            context.Events.Normal(Component, set, "SuccessfulCreate", $"create Pod {podName} in StatefulSet {set.Metadata.Name} successful");
        }
        catch (Exception e) when (e is not OperationCanceledException && ApiErrors.IsAlreadyExists(e))
        {
            // Our own create the cache has not shown yet is fine; someone else's pod under our name is not.
            var existing = await context.Client.CoreV1.ReadNamespacedPodAsync(podName, set.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!ControllerRefs.IsControlledBy(existing.Metadata, set.Metadata.Uid))
            {
                var message = $"create Pod {podName} in StatefulSet {set.Metadata.Name} failed error: a pod named {podName} exists and is not controlled by this StatefulSet";
                context.Events.Warning(Component, set, "FailedCreate", message);
                throw new InvalidOperationException(message, e);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Events.Warning(Component, set, "FailedCreate", $"create Pod {podName} in StatefulSet {set.Metadata.Name} failed error: {ApiErrors.MessageOf(e)}");
            throw;
        }
    }

    /// <summary>Creates the ordinal's missing claims; a claim that is being deleted blocks the pod until it is gone.</summary>
    private async Task EnsureClaimsAsync(V1StatefulSet set, int ordinal, CancellationToken cancellationToken)
    {
        var podName = StatefulPodIdentity.PodName(set.Metadata.Name, ordinal);
        foreach (var claim in StatefulPodIdentity.NewClaims(set, ordinal))
        {
            var claimName = claim.Metadata.Name;
            var existing = claims.Get(set.Metadata.NamespaceProperty, claimName);
            if (existing is not null)
            {
                if (existing.Metadata.DeletionTimestamp is not null)
                {
                    var message = $"create Claim {claimName} for Pod {podName} in StatefulSet {set.Metadata.Name} failed error: pvc {claimName} is being deleted";
                    context.Events.Warning(Component, set, "FailedCreate", message);
                    throw new InvalidOperationException(message);
                }

                continue;
            }

            try
            {
                await context.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(claim, set.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                context.Events.Normal(Component, set, "SuccessfulCreate", $"create Claim {claimName} Pod {podName} in StatefulSet {set.Metadata.Name} success");
            }
            catch (Exception e) when (e is not OperationCanceledException && ApiErrors.IsAlreadyExists(e))
            {
                // A retained claim from an earlier pod of this ordinal is reused, as upstream does.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.Events.Warning(Component, set, "FailedCreate", $"create Claim {claimName} for Pod {podName} in StatefulSet {set.Metadata.Name} failed error: {ApiErrors.MessageOf(e)}");
                throw;
            }
        }
    }

    private async Task DeletePodAsync(V1StatefulSet set, V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            await context.Client.CoreV1.DeleteNamespacedPodAsync(
                pod.Metadata.Name,
                pod.Metadata.NamespaceProperty,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            context.Events.Normal(Component, set, "SuccessfulDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
        }
        catch (Exception e) when (e is not OperationCanceledException && (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e)))
        {
            // Already gone (or replaced by a newer pod of that name): the informer brings the next sync.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Events.Warning(Component, set, "FailedDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {ApiErrors.MessageOf(e)}");
            throw;
        }
    }

    /// <summary>whenScaled: Delete — claims of ordinals the set no longer has go once their pod is gone.</summary>
    private async Task DeleteScaledDownClaimsAsync(V1StatefulSet set, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var start = StatefulPodIdentity.StartOrdinal(set);
        var end = start + (set.Spec.Replicas ?? 1);
        var living = pods.Select(p => StatefulPodIdentity.OrdinalOf(set.Metadata.Name, p.Metadata.Name)).OfType<int>().ToHashSet();
        foreach (var template in set.Spec.VolumeClaimTemplates ?? [])
        {
            var prefix = template.Metadata.Name + "-";
            foreach (var claim in claims.ListByNamespace(set.Metadata.NamespaceProperty))
            {
                var claimName = claim.Metadata.Name;
                if (!claimName.StartsWith(prefix, StringComparison.Ordinal) || claim.Metadata.DeletionTimestamp is not null)
                {
                    continue;
                }

                var ordinal = StatefulPodIdentity.OrdinalOf(set.Metadata.Name, claimName[prefix.Length..]);
                if (ordinal is not { } o || (o >= start && o < end) || living.Contains(o) || !HasSelectorLabels(set, claim))
                {
                    continue;
                }

                try
                {
                    await context.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(claimName, claim.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException && ApiErrors.IsNotFound(e))
                {
                }
            }
        }
    }

    private static bool HasSelectorLabels(V1StatefulSet set, V1PersistentVolumeClaim claim) =>
        (set.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>()).All(l => claim.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value);
}
