using k8s.Models;
using Timonel.Client.Events;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Events about one container of a pod, as upstream's kubelet records them: the involved object is
/// the pod with fieldPath spec.containers{NAME} (spec.initContainers{NAME} for an init container),
/// which is what kubectl describe shows in its "From"/"Object" columns and what aggregation keys on.
/// </summary>
internal static class ContainerEvents
{
    public static void Container(this EventRecorder events, V1Pod pod, V1Container container, string type, string reason, string message) =>
        events.Event(Reference(pod, container.Name), type, reason, message);

    public static V1ObjectReference Reference(V1Pod pod, string containerName)
    {
        var reference = EventRecorder.ReferenceTo(pod);
        var init = (pod.Spec.InitContainers ?? []).Any(c => c.Name == containerName);
        reference.FieldPath = init ? $"spec.initContainers{{{containerName}}}" : $"spec.containers{{{containerName}}}";
        return reference;
    }

    /// <summary>An error as Go's gRPC client prints it (what upstream's events and statuses quote).</summary>
    public static string GrpcError(Grpc.Core.RpcException e) => $"rpc error: code = {e.StatusCode} desc = {e.Status.Detail}";
}
