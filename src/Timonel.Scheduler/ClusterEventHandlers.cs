using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler;

/// <summary>
/// Turns informer notifications into cache and queue updates (upstream's eventhandlers.go):
/// unscheduled pods of our profiles go to the queue, assigned pods to the cache; every change
/// that might make a rejected pod fit moves the pods whose rejecting plugins registered it.
/// </summary>
public sealed class ClusterEventHandlers
{
    private readonly SchedulerCache _cache;
    private readonly SchedulingQueue _queue;
    private readonly SchedulerListers _listers;
    private readonly Scheduler _scheduler;

    internal ClusterEventHandlers(SchedulerCache cache, SchedulingQueue queue, SchedulerListers listers, Scheduler scheduler)
    {
        _cache = cache;
        _queue = queue;
        _listers = listers;
        _scheduler = scheduler;
    }

    public void OnPodAdd(V1Pod pod)
    {
        if (IsAssigned(pod))
        {
            _cache.AddPod(_listers.PodInfoOf(pod));
            _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.AssignedPod, ActionType.Add), null, pod);
        }
        else if (IsOurs(pod))
        {
            _queue.Add(_listers.PodInfoOf(pod));
        }
    }

    public void OnPodUpdate(V1Pod oldPod, V1Pod newPod)
    {
        if (IsAssigned(newPod))
        {
            var info = _listers.PodInfoOf(newPod);
            if (!IsAssigned(oldPod))
            {
                // Bound (by us or someone else): leaves the queue, enters the cache.
                _queue.Delete(info.Key);
                _cache.AddPod(info);
                _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.AssignedPod, ActionType.Add), null, newPod);
                return;
            }

            _cache.UpdatePod(info);
            _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.AssignedPod, PodUpdateAction(oldPod, newPod)), oldPod, newPod);
        }
        else if (IsOurs(newPod))
        {
            if (newPod.Metadata?.DeletionTimestamp is not null)
            {
                _queue.Delete(PodInfo.KeyOf(newPod));
                return;
            }

            // Our own status writes (conditions, nominatedNodeName) do not change what fits.
            if (oldPod.Metadata?.Generation == newPod.Metadata?.Generation && LabelsEqual(oldPod.Metadata?.Labels, newPod.Metadata?.Labels))
            {
                return;
            }

            _queue.Update(_listers.PodInfoOf(newPod));
        }
    }

    public void OnPodDelete(V1Pod pod)
    {
        var key = PodInfo.KeyOf(pod);
        if (IsAssigned(pod) || _cache.IsAssumed(key))
        {
            _cache.RemovePod(key);
            _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.AssignedPod, ActionType.Delete), pod, null);
        }

        _queue.Delete(key);
    }

    public void OnNodeAdd(V1Node node)
    {
        _cache.AddOrUpdateNode(node);
        _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.Node, ActionType.Add), null, node);
    }

    public void OnNodeUpdate(V1Node oldNode, V1Node newNode)
    {
        _cache.AddOrUpdateNode(newNode);
        var action = NodeUpdateAction(oldNode, newNode);
        if (action != ActionType.None)
        {
            _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.Node, action), oldNode, newNode);
        }
    }

    public void OnNodeDelete(V1Node node)
    {
        _cache.RemoveNode(node.Metadata.Name);
        _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.Node, ActionType.Delete), node, null);
    }

    public void OnClaim(V1PersistentVolumeClaim claim, bool deleted)
    {
        var key = $"{claim.Metadata.NamespaceProperty}/{claim.Metadata.Name}";
        if (deleted)
        {
            _listers.Claims.TryRemove(key, out _);
            return;
        }

        var added = _listers.Claims.TryAdd(key, claim);
        _listers.Claims[key] = claim;
        _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.PersistentVolumeClaim, added ? ActionType.Add : ActionType.UpdateOther), null, claim);
    }

    public void OnVolume(V1PersistentVolume volume, bool deleted)
    {
        if (deleted)
        {
            _listers.Volumes.TryRemove(volume.Metadata.Name, out _);
            return;
        }

        var added = _listers.Volumes.TryAdd(volume.Metadata.Name, volume);
        _listers.Volumes[volume.Metadata.Name] = volume;
        _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.PersistentVolume, added ? ActionType.Add : ActionType.UpdateOther), null, volume);
    }

    public void OnStorageClass(V1StorageClass storageClass, bool deleted)
    {
        if (deleted)
        {
            _listers.StorageClasses.TryRemove(storageClass.Metadata.Name, out _);
            return;
        }

        _listers.StorageClasses[storageClass.Metadata.Name] = storageClass;
        _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.StorageClass, ActionType.Add), null, storageClass);
    }

    public void OnPriorityClass(V1PriorityClass priorityClass, bool deleted)
    {
        if (deleted)
        {
            _listers.PriorityClasses.TryRemove(priorityClass.Metadata.Name, out _);
        }
        else
        {
            _listers.PriorityClasses[priorityClass.Metadata.Name] = priorityClass;
        }
    }

    public void OnDisruptionBudget(V1PodDisruptionBudget budget, bool deleted)
    {
        var key = $"{budget.Metadata.NamespaceProperty}/{budget.Metadata.Name}";
        if (deleted)
        {
            _listers.DisruptionBudgets.TryRemove(key, out _);
        }
        else
        {
            _listers.DisruptionBudgets[key] = budget;
        }
    }

    public void OnNamespace(V1Namespace ns, bool deleted)
    {
        if (deleted)
        {
            _listers.NamespaceLabels.Remove(ns.Metadata.Name);
            return;
        }

        _listers.NamespaceLabels.Set(ns.Metadata.Name, ns.Metadata.Labels);
        _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.Namespace, ActionType.Add), null, ns);
    }

    private static bool IsAssigned(V1Pod pod) => !string.IsNullOrEmpty(pod.Spec?.NodeName);

    private bool IsOurs(V1Pod pod) =>
        _scheduler.HandlesSchedulerName(pod.Spec?.SchedulerName) && pod.Status?.Phase is not ("Succeeded" or "Failed");

    private static bool LabelsEqual(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        return a is null || a.All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    private static ActionType PodUpdateAction(V1Pod oldPod, V1Pod newPod)
    {
        var action = ActionType.None;
        if (!LabelsEqual(oldPod.Metadata?.Labels, newPod.Metadata?.Labels))
        {
            action |= ActionType.UpdatePodLabel;
        }

        if (newPod.Metadata?.DeletionTimestamp is not null || newPod.Status?.Phase is "Succeeded" or "Failed")
        {
            action |= ActionType.UpdatePodScaleDown;
        }

        return action == ActionType.None ? ActionType.UpdateOther : action;
    }

    private static ActionType NodeUpdateAction(V1Node oldNode, V1Node newNode)
    {
        var action = ActionType.None;
        if (!LabelsEqual(oldNode.Metadata?.Labels, newNode.Metadata?.Labels))
        {
            action |= ActionType.UpdateNodeLabel;
        }

        if (!SameTaints(oldNode, newNode) || oldNode.Spec?.Unschedulable != newNode.Spec?.Unschedulable)
        {
            action |= ActionType.UpdateNodeTaint;
        }

        if (!LabelsEqual(Quantities(oldNode.Status?.Allocatable), Quantities(newNode.Status?.Allocatable)))
        {
            action |= ActionType.UpdateNodeAllocatable;
        }

        return action;
    }

    private static bool SameTaints(V1Node a, V1Node b)
    {
        var x = a.Spec?.Taints ?? [];
        var y = b.Spec?.Taints ?? [];
        return x.Count == y.Count && x.Zip(y).All(p => p.First.Key == p.Second.Key && p.First.Value == p.Second.Value && p.First.Effect == p.Second.Effect);
    }

    private static Dictionary<string, string>? Quantities(IDictionary<string, ResourceQuantity>? list) =>
        list?.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
}
