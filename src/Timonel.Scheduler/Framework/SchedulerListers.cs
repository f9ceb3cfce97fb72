using System.Collections.Concurrent;
using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// Read-only views of the objects plugins consult besides nodes and pods: volumes, storage
/// classes, priority classes, disruption budgets, namespace labels. The host keeps them current
/// from its informers; keys are "namespace/name" for namespaced objects, "name" otherwise.
/// </summary>
public sealed class SchedulerListers
{
    public ConcurrentDictionary<string, V1PersistentVolumeClaim> Claims { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, V1PersistentVolume> Volumes { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, V1StorageClass> StorageClasses { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, V1PriorityClass> PriorityClasses { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, V1PodDisruptionBudget> DisruptionBudgets { get; } = new(StringComparer.Ordinal);

    public NamespaceLabels NamespaceLabels { get; } = new();

    /// <summary>
    /// The pod's priority: spec.priority when set (the API's Priority admission fills it), else the
    /// value of its priorityClassName, else the global default class, else 0.
    /// </summary>
    public int PriorityOf(V1Pod pod)
    {
        if (pod.Spec?.Priority is { } p)
        {
            return p;
        }

        if (pod.Spec?.PriorityClassName is { Length: > 0 } name && PriorityClasses.TryGetValue(name, out var pc))
        {
            return pc.Value ?? 0;
        }

        foreach (var c in PriorityClasses.Values)
        {
            if (c.GlobalDefault == true)
            {
                return c.Value ?? 0;
            }
        }

        return 0;
    }

    /// <summary>A PodInfo with the pod's effective priority resolved.</summary>
    public PodInfo PodInfoOf(V1Pod pod) => new(pod, PriorityOf(pod));
}
