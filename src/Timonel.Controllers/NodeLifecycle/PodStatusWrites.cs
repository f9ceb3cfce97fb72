using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>Pod status writes the node lifecycle and pod GC controllers share.</summary>
internal static class PodStatusWrites
{
    /// <summary>
    /// Sets a condition on the pod's status (and optionally its phase and reason) through
    /// pods/status, retrying a few times from a fresh read on conflict. False when the pod is gone.
    /// </summary>
    public static async Task<bool> SetAsync(IKubernetes client, V1Pod pod, V1PodCondition condition, string? phase, string? reason, CancellationToken cancellationToken)
    {
        var current = pod;
        for (var attempt = 0; ; attempt++)
        {
            var status = KubernetesJson.Deserialize<V1PodStatus>(KubernetesJson.Serialize(current.Status ?? new V1PodStatus()));
            status.Conditions ??= [];
            var old = status.Conditions.FirstOrDefault(c => c.Type == condition.Type);
            if (old is not null)
            {
                if (old.Status == condition.Status && old.Reason == condition.Reason && (phase is null || status.Phase == phase))
                {
                    return true;
                }

                status.Conditions.Remove(old);
                if (old.Status == condition.Status)
                {
                    condition.LastTransitionTime = old.LastTransitionTime;
                }
            }

            status.Conditions.Add(condition);
            if (phase is not null)
            {
                status.Phase = phase;
                status.Reason = reason ?? status.Reason;
            }

            var updated = new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = current.Metadata, Spec = current.Spec, Status = status };
            try
            {
                await client.CoreV1.ReplaceNamespacedPodStatusAsync(updated, current.Metadata.Name, current.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
                return false;
            }
            catch (HttpOperationException e) when (ApiErrors.IsConflict(e) && attempt < 3)
            {
                try
                {
                    current = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (HttpOperationException r) when (ApiErrors.IsNotFound(r))
                {
                    return false;
                }

                if (current.Metadata.Uid != pod.Metadata.Uid)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>The DisruptionTarget condition upstream adds before a controller deletes a pod.</summary>
    public static Task<bool> AddDisruptionTargetAsync(IKubernetes client, V1Pod pod, string reason, string message, DateTime now, CancellationToken cancellationToken, string? phase = null, string? statusReason = null) =>
        SetAsync(client, pod, new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = reason, Message = message, LastTransitionTime = now }, phase, statusReason, cancellationToken);
}
