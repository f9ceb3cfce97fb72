using k8s;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.ReplicaSet;

public partial class ReplicaSetController<TSet>
{
    /// <summary>
    /// Creates or deletes pods to reach spec.replicas. Returns the first error (after recording
    /// it) so the status can carry a ReplicaFailure condition before the sync is retried.
    /// </summary>
    private async Task<Exception?> ManageReplicasAsync(string key, V1ReplicaSet rs, IReadOnlyList<V1Pod> owned, CancellationToken cancellationToken)
    {
        var diff = owned.Count - (rs.Spec?.Replicas ?? 1);
        if (diff < 0)
        {
            var toCreate = Math.Min(-diff, BurstReplicas);
            _expectations.ExpectCreations(key, toCreate);
            var (created, error) = await SlowStartBatch.RunAsync(toCreate, () => CreatePodAsync(key, rs, cancellationToken)).ConfigureAwait(false);
            var skipped = toCreate - created;
            if (error is not null && skipped > 0)
            {
                // Creates never issued will never be observed: stop expecting them (failed ones lowered themselves).
                _expectations.LowerExpectations(key, skipped - FailedInLastBatch(error), 0);
            }

            return error;
        }

        if (diff > 0)
        {
            var count = Math.Min(diff, BurstReplicas);
            var related = RelatedPods(rs).Where(PodConditions.IsPodActive).ToList();
            var victims = new PodDeletionRanking(related).PickForDeletion(owned, count);
            _expectations.ExpectDeletions(key, [.. victims.Select(ObjectKeys.KeyOf)]);
            var errors = await Task.WhenAll(victims.Select(p => DeletePodAsync(key, rs, p, cancellationToken))).ConfigureAwait(false);
            return errors.FirstOrDefault(e => e is not null);
        }

        return null;
    }

    /// <summary>Pods owned by this ReplicaSet or by any ReplicaSet sharing its controller (a Deployment's other ReplicaSets).</summary>
    private IEnumerable<V1Pod> RelatedPods(V1ReplicaSet rs)
    {
        var owners = ObjectSelectors.ControllerOf(rs.Metadata) is { Uid: { Length: > 0 } controllerUid }
            ? _replicaSets.Cache.ListByOwnerUid(controllerUid).Where(s => s.Metadata.NamespaceProperty == rs.Metadata.NamespaceProperty).Select(s => s.Metadata.Uid)
            : [];
        return owners.Append(rs.Metadata.Uid).Distinct(StringComparer.Ordinal)
            .SelectMany(_pods.Cache.ListByOwnerUid)
            .Where(p => p.Metadata.NamespaceProperty == rs.Metadata.NamespaceProperty);
    }

    private static int FailedInLastBatch(Exception error) => error is BatchFailure f ? f.Failed : 1;

    private async Task<Exception?> CreatePodAsync(string key, V1ReplicaSet rs, CancellationToken cancellationToken)
    {
        var pod = PodFromTemplate(rs, _kind.Resource.ApiVersion, _kind.Resource.Kind);
        try
        {
            var created = await _context.Client.CoreV1.CreateNamespacedPodAsync(pod, rs.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            _context.Events.Normal(Component, rs, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _expectations.CreationObserved(key);
            _context.Events.Warning(Component, rs, "FailedCreate", $"Error creating: {ApiErrors.MessageOf(e)}");
            return e;
        }
    }

    private async Task<Exception?> DeletePodAsync(string key, V1ReplicaSet rs, V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            _context.Events.Normal(Component, rs, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _expectations.DeletionObserved(key, ObjectKeys.KeyOf(pod));
            if (ApiErrors.IsNotFound(e))
            {
                return null;
            }

            _context.Events.Warning(Component, rs, "FailedDelete", $"Error deleting: {ApiErrors.MessageOf(e)}");
            return e;
        }
    }

    /// <summary>A pod from the template, named "&lt;rs&gt;-xxxxx", controlled by the ReplicaSet (upstream's GetPodFromTemplate).</summary>
    internal static V1Pod PodFromTemplate(V1ReplicaSet rs, string apiVersion, string kind)
    {
        var template = ObjectCopy.DeepCopy(rs.Spec.Template);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = rs.Metadata.Name + "-",
                NamespaceProperty = rs.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels,
                Annotations = template.Metadata?.Annotations,
                Finalizers = template.Metadata?.Finalizers,
                OwnerReferences = [ControllerRefs.ControllerRef(apiVersion, kind, rs.Metadata)],
            },
            Spec = template.Spec,
        };
    }

    /// <summary>
    /// The active pods this ReplicaSet controls after adopting matching orphans and releasing
    /// owned pods that no longer match (upstream's ClaimPods).
    /// </summary>
    private Task<IReadOnlyList<V1Pod>> ClaimPodsAsync(V1ReplicaSet rs, LabelSelector selector, IReadOnlyList<V1Pod> candidates, CancellationToken cancellationToken) =>
        ControllerRefs.ForPods(
            _context.Client,
            rs,
            _kind.Resource.ApiVersion,
            _kind.Resource.Kind,
            selector,
            ct => _kind.ReadMetadataAsync(_context.Client, rs.Metadata.NamespaceProperty, rs.Metadata.Name, ct))
        .ClaimAsync(candidates, null, cancellationToken);
}
