using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Client.Events;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Host;

/// <summary>
/// The scheduler's writes over the REST API: POST pods/{name}/binding, DELETE of preemption
/// victims, a strategic-merge patch of pods/{name}/status (PodScheduled condition,
/// nominatedNodeName), and Scheduled / FailedScheduling events, as kube-scheduler writes them.
/// </summary>
public sealed class ApiSchedulerClient(IKubernetes client, EventRecorder events, TimeProvider time) : ISchedulerClient
{
    public async Task BindAsync(V1Pod pod, string nodeName, CancellationToken cancellationToken)
    {
        var binding = new V1Binding
        {
            Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty, Uid = pod.Metadata.Uid },
            Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = nodeName },
        };
        await client.CoreV1.CreateNamespacedPodBindingAsync(binding, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        events.Event(pod, "Normal", "Scheduled", $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {nodeName}");
    }

    public async Task DeletePodAsync(V1Pod pod, V1Pod preemptor, string nodeName, CancellationToken cancellationToken)
    {
        // Upstream's wording, so `kubectl describe pod` tells the victim why it went.
        events.Event(pod, "Normal", "Preempted", $"Preempted by pod {preemptor.Metadata.Uid} on node {nodeName}");
        await client.CoreV1.DeleteNamespacedPodAsync(
            pod.Metadata.Name,
            pod.Metadata.NamespaceProperty,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task RecordFailureAsync(V1Pod pod, string reason, string message, string? nominatedNodeName, CancellationToken cancellationToken)
    {
        events.Event(pod, "Warning", "FailedScheduling", message);
        var existing = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (existing is { Status: "False" } && existing.Reason == reason && existing.Message == message && nominatedNodeName is null)
        {
            return;
        }

        var status = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "False",
                ["reason"] = reason,
                ["message"] = message,
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = existing is { Status: "False" } && existing.LastTransitionTime is { } t
                    ? t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
                    : time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            }),
        };
        if (nominatedNodeName is not null)
        {
            status["nominatedNodeName"] = nominatedNodeName;
        }

        var patch = new JsonObject { ["status"] = status };
        await client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch),
            pod.Metadata.Name,
            pod.Metadata.NamespaceProperty,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
