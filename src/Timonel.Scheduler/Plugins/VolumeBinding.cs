using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// VolumeBinding (basics): every PersistentVolumeClaim the pod mounts must exist and not be
/// terminating; an unbound claim must use a WaitForFirstConsumer storage class (Immediate ones
/// wait for their binder); a bound claim's volume node affinity must match the node.
/// </summary>
public sealed class VolumeBinding(PluginHandle handle) : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "VolumeBinding";
    public const string ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
    public const string ErrReasonNodeConflict = "node(s) had volume node affinity conflict";
    public const string ErrUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
    private const string StateKey = "PreFilter" + PluginName;

    private static readonly Status RejectedNodeConflict = Status.Unresolvable(ErrReasonNodeConflict).WithPlugin(PluginName);

    public string Name => PluginName;

    public Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames)
    {
        nodeNames = null;
        var volumes = pod.Pod.Spec?.Volumes;
        if (volumes is null || !volumes.Any(v => v.PersistentVolumeClaim is not null || v.Ephemeral is not null))
        {
            return Status.Skip;
        }

        var bound = new List<NodeSelectorMatcher>();
        foreach (var v in volumes)
        {
            if (Timonel.Client.Controllers.PodClaims.ClaimName(pod.Pod, v) is not { } claimName)
            {
                continue;
            }

            if (!handle.Listers.Claims.TryGetValue($"{pod.Namespace}/{claimName}", out var claim))
            {
                return Status.Unresolvable(v.Ephemeral is not null
                    ? $"waiting for ephemeral volume controller to create the persistentvolumeclaim \"{claimName}\""
                    : $"persistentvolumeclaim \"{claimName}\" not found");
            }

            if (v.Ephemeral is not null && Timonel.Client.Controllers.PodClaims.NotForPod(pod.Pod, claim) is not null)
            {
                return Status.Unresolvable($"persistentvolumeclaim \"{claimName}\" was not created for the pod");
            }

            if (claim.Metadata?.DeletionTimestamp is not null)
            {
                return Status.Unresolvable($"persistentvolumeclaim \"{claimName}\" is being deleted");
            }

            if (claim.Spec?.VolumeName is { Length: > 0 } volumeName)
            {
                if (handle.Listers.Volumes.TryGetValue(volumeName, out var pv) && pv.Spec?.NodeAffinity?.Required is { } required)
                {
                    bound.Add(NodeSelectorMatcher.From(required));
                }

                continue;
            }

            var className = claim.Spec?.StorageClassName;
            var waitForConsumer = className is not null && handle.Listers.StorageClasses.TryGetValue(className, out var sc) && sc.VolumeBindingMode == "WaitForFirstConsumer";
            if (!waitForConsumer)
            {
                return Status.Unresolvable(ErrUnboundImmediate);
            }
        }

        state.Write(StateKey, bound);
        return null;
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<List<NodeSelectorMatcher>>(StateKey) is not { Count: > 0 } bound || node.Node is null)
        {
            return null;
        }

        foreach (var affinity in bound)
        {
            if (!affinity.Matches(node.Node))
            {
                return RejectedNodeConflict;
            }
        }

        return null;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.PersistentVolumeClaim, ActionType.Add | ActionType.Update)),
        new(new ClusterEvent(EventResource.PersistentVolume, ActionType.Add | ActionType.Update)),
        new(new ClusterEvent(EventResource.StorageClass, ActionType.Add | ActionType.Update)),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel)),
    ];
}
