using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The node's one writer of pod statuses (upstream's status manager): remembers the last status
/// posted for each pod UID and posts a new one only when it differs semantically
/// (<see cref="PodStatusEquality"/>), so an idle node writes nothing.
/// </summary>
/// <remarks>A failed post leaves the cache untouched: the next sync of the pod posts again.</remarks>
public sealed class StatusManager
{
    private readonly ConcurrentDictionary<string, V1PodStatus> _posted = new(StringComparer.Ordinal);
    private readonly Func<V1Pod, V1PodStatus, CancellationToken, Task> _post;

    /// <param name="post">Writes a pod's status to the API (the status subresource).</param>
    public StatusManager(Func<V1Pod, V1PodStatus, CancellationToken, Task> post)
    {
        _post = post;
    }

    /// <summary>
    /// A manager that patches the pod's status subresource through <paramref name="client"/>. The
    /// patch is a strategic merge, so conditions merge by type: one the kubelet does not own
    /// (DisruptionTarget from an eviction, a readiness gate's) stays as its writer left it, as
    /// upstream's mergePodStatus keeps them.
    /// </summary>
    public static StatusManager ForClient(IKubernetes client) => new(async (pod, status, ct) =>
    {
        var body = KubernetesJson.Serialize(new { status });
        await client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(body, V1Patch.PatchType.StrategicMergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
    });

    /// <summary>Posts <paramref name="status"/> for <paramref name="pod"/> unless it equals the last one posted; true when posted.</summary>
    public async Task<bool> SetPodStatusAsync(V1Pod pod, V1PodStatus status, CancellationToken cancellationToken)
    {
        var uid = pod.Metadata.Uid;
        if (_posted.TryGetValue(uid, out var last) && PodStatusEquality.SemanticallyEqual(last, status) && !OverwrittenByOthers(pod.Status, status))
        {
            return false;
        }

        await _post(pod, status, cancellationToken).ConfigureAwait(false);
        _posted[uid] = status;
        return true;
    }

    /// <summary>
    /// Upstream's reconcile: the API's copy lost what the kubelet owns although the kubelet's view
    /// did not change, e.g. the node lifecycle controller marked the pods of a node it thought
    /// lost not Ready, and the node came back. Only phase and the Ready conditions are compared,
    /// so conditions other writers own never cause a write per sync.
    /// </summary>
    internal static bool OverwrittenByOthers(V1PodStatus? api, V1PodStatus wanted) =>
        api is not null
        && (api.Phase != wanted.Phase
            || ConditionStatus(api, "Ready") != ConditionStatus(wanted, "Ready")
            || ConditionStatus(api, "ContainersReady") != ConditionStatus(wanted, "ContainersReady"));

    private static string? ConditionStatus(V1PodStatus status, string type) =>
        status.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;

    /// <summary>The pod is gone from this node: drop what was remembered about it.</summary>
    public void Forget(string uid) => _posted.TryRemove(uid, out _);
}
