using k8s;
using k8s.Models;

namespace Timonel.Controllers.Tests;

/// <summary>Plays the node agent for controller tests: binds pods and reports them Running, ready or not.</summary>
internal static class PodStatus
{
    /// <summary>Creates a pod bound to node-1 and reports it Running with <paramref name="ip"/>.</summary>
    public static async Task<V1Pod> CreateRunningAsync(IKubernetes client, string ns, V1Pod pod, string ip, bool ready)
    {
        pod.Spec.NodeName ??= "node-1";
        await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        return await SetAsync(client, ns, pod.Metadata.Name, ip, ready);
    }

    public static async Task<V1Pod> SetAsync(IKubernetes client, string ns, string name, string? ip, bool ready, string phase = "Running")
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = phase;
        pod.Status.PodIP = ip;
        pod.Status.PodIPs = ip is null ? null : [new V1PodIP { Ip = ip }];
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }];
        return await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }
}
