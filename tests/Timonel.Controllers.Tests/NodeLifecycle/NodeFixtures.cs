using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Testing;

namespace Timonel.Controllers.Tests.NodeLifecycle;

/// <summary>Nodes, leases and pods as a kubelet would report them, written by the tests themselves.</summary>
internal static class NodeFixtures
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(45);

    public static ControllerManagerOptions FastOptions(double graceSeconds = 2) => new()
    {
        NodeMonitorPeriod = TimeSpan.FromMilliseconds(250),
        NodeMonitorGracePeriod = TimeSpan.FromSeconds(graceSeconds),
        TerminatedPodGcThreshold = 2,
    };

    /// <summary>Creates a node whose Ready condition reports <paramref name="ready"/> with a heartbeat now.</summary>
    public static async Task<V1Node> CreateNodeAsync(IKubernetes client, string name, string ready = "True")
    {
        var node = await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        return await PostStatusAsync(client, name, ready);
    }

    public static async Task<V1Node> PostStatusAsync(IKubernetes client, string name, string ready)
    {
        var now = DateTime.UtcNow;
        var status = new V1NodeStatus
        {
            Conditions =
            [
                new V1NodeCondition { Type = "Ready", Status = ready, Reason = ready == "True" ? "KubeletReady" : "KubeletNotReady", LastHeartbeatTime = now, LastTransitionTime = now },
                new V1NodeCondition { Type = "MemoryPressure", Status = "False", Reason = "KubeletHasSufficientMemory", LastHeartbeatTime = now, LastTransitionTime = now },
            ],
        };
        return await client.CoreV1.PatchNodeStatusAsync(new V1Patch(KubernetesJson.Serialize(new V1Node { Status = status }), V1Patch.PatchType.MergePatch), name);
    }

    public static async Task RenewLeaseAsync(IKubernetes client, string name)
    {
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(name, "kube-node-lease");
            lease.Spec.RenewTime = DateTime.UtcNow;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, "kube-node-lease");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await client.CoordinationV1.CreateNamespacedLeaseAsync(
                new V1Lease { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1LeaseSpec { HolderIdentity = name, LeaseDurationSeconds = 40, RenewTime = DateTime.UtcNow } },
                "kube-node-lease");
        }
    }

    public static async Task<V1Pod> CreatePodAsync(IKubernetes client, string ns, string name, string nodeName, params V1Toleration[] tolerations)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                NodeName = nodeName,
                Containers = [new V1Container { Name = "app", Image = "nginx" }],
                Tolerations = tolerations.Length == 0 ? null : tolerations.ToList(),
            },
        };
        return await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
    }

    /// <summary>Reports the pod Running and Ready, as the kubelet would.</summary>
    public static async Task<V1Pod> MarkRunningAsync(IKubernetes client, V1Pod pod, string phase = "Running")
    {
        var current = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty);
        var now = DateTime.UtcNow;
        current.Status ??= new V1PodStatus();
        current.Status.Phase = phase;
        current.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = phase == "Running" ? "True" : "False", LastTransitionTime = now }];
        return await client.CoreV1.ReplaceNamespacedPodStatusAsync(current, pod.Metadata.Name, pod.Metadata.NamespaceProperty);
    }

    public static async Task<bool> IsGoneAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
            return false;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
    }

    /// <summary>Gone, or marked for deletion (the eviction's graceful delete waits for a kubelet that these tests do not run).</summary>
    public static async Task<bool> IsDeletedAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
            return pod.Metadata.DeletionTimestamp is not null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
    }

    public static Task<V1Node> WaitForNodeAsync(IKubernetes client, string name, Func<V1Node, bool> condition, string what) =>
        Eventually.WaitAsync(
            async ct =>
            {
                var node = await client.CoreV1.ReadNodeAsync(name, cancellationToken: ct);
                return condition(node) ? node : null;
            },
            WaitLimit,
            what);

    public static bool HasTaint(V1Node node, string key, string effect) =>
        node.Spec?.Taints?.Any(t => t.Key == key && t.Effect == effect) == true;

    public static string? Condition(V1Node node, string type) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;
}
