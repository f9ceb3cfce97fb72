using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Whether two pod statuses say the same thing, field by field, as the kubelet builds them. A
/// condition's lastTransitionTime is ignored: it only moves with the condition's status, and a
/// status rebuilt after an agent restart must not count as a change. Null and empty lists are
/// equal (both mean "none").
/// </summary>
public static class PodStatusEquality
{
    public static bool SemanticallyEqual(V1PodStatus? a, V1PodStatus? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.Phase == b.Phase
            && a.Reason == b.Reason
            && a.Message == b.Message
            && a.HostIP == b.HostIP
            && a.PodIP == b.PodIP
            && a.StartTime == b.StartTime
            && a.QosClass == b.QosClass
            && a.NominatedNodeName == b.NominatedNodeName
            && ListEqual(a.HostIPs, b.HostIPs, (x, y) => x.Ip == y.Ip)
            && ListEqual(a.PodIPs, b.PodIPs, (x, y) => x.Ip == y.Ip)
            && ListEqual(a.Conditions, b.Conditions, ConditionEqual)
            && ListEqual(a.InitContainerStatuses, b.InitContainerStatuses, ContainerEqual)
            && ListEqual(a.ContainerStatuses, b.ContainerStatuses, ContainerEqual)
            && ListEqual(a.EphemeralContainerStatuses, b.EphemeralContainerStatuses, ContainerEqual);
    }

    private static bool ConditionEqual(V1PodCondition a, V1PodCondition b) =>
        a.Type == b.Type && a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message;

    private static bool ContainerEqual(V1ContainerStatus a, V1ContainerStatus b) =>
        a.Name == b.Name
        && a.Image == b.Image
        && a.ImageID == b.ImageID
        && a.ContainerID == b.ContainerID
        && a.RestartCount == b.RestartCount
        && a.Ready == b.Ready
        && a.Started == b.Started
        && StateEqual(a.State, b.State)
        && StateEqual(a.LastState, b.LastState)
        && QuantitiesEqual(a.AllocatedResources, b.AllocatedResources)
        && Equal(a.Resources, b.Resources, (x, y) => QuantitiesEqual(x.Requests, y.Requests) && QuantitiesEqual(x.Limits, y.Limits));

    private static bool QuantitiesEqual(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        var left = a ?? new Dictionary<string, ResourceQuantity>();
        var right = b ?? new Dictionary<string, ResourceQuantity>();
        return left.Count == right.Count && left.All(kv => right.TryGetValue(kv.Key, out var v) && v.ToDecimal() == kv.Value.ToDecimal());
    }

    private static bool StateEqual(V1ContainerState? a, V1ContainerState? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return Equal(a.Waiting, b.Waiting, (x, y) => x.Reason == y.Reason && x.Message == y.Message)
            && Equal(a.Running, b.Running, (x, y) => x.StartedAt == y.StartedAt)
            && Equal(a.Terminated, b.Terminated, (x, y) =>
                x.ExitCode == y.ExitCode && x.Signal == y.Signal && x.Reason == y.Reason && x.Message == y.Message
                && x.StartedAt == y.StartedAt && x.FinishedAt == y.FinishedAt && x.ContainerID == y.ContainerID);
    }

    private static bool Equal<T>(T? a, T? b, Func<T, T, bool> equal)
        where T : class =>
        a is null || b is null ? a is null && b is null : equal(a, b);

    private static bool ListEqual<T>(IList<T>? a, IList<T>? b, Func<T, T, bool> equal)
    {
        var left = a ?? [];
        var right = b ?? [];
        if (left.Count != right.Count)
        {
            return false;
        }

        for (var i = 0; i < left.Count; i++)
        {
            if (!equal(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }
}
