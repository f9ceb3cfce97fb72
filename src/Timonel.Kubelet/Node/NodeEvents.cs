using k8s.Models;
using Timonel.Client.Events;

namespace Timonel.Kubelet.Node;

/// <summary>
/// The kubelet's events about its Node, as upstream records them: the involved object is the Node
/// with its name as UID (upstream's nodeRef), "Starting kubelet." at start, and "Node NAME status
/// is now: REASON" when a condition changes (NodeReady, NodeNotReady, NodeHasSufficientMemory, ...).
/// </summary>
public static class NodeEvents
{
    public static V1ObjectReference Reference(string nodeName) => new() { Kind = "Node", Name = nodeName, Uid = nodeName };

    public static void Starting(EventRecorder events, string nodeName) =>
        events.Event(Reference(nodeName), EventTypes.Normal, "Starting", "Starting kubelet.");

    /// <summary>An event per condition whose status differs from the one the Node had (or that it did not have).</summary>
    public static void ConditionsChanged(EventRecorder events, string nodeName, IList<V1NodeCondition>? previous, IList<V1NodeCondition> current)
    {
        foreach (var condition in current)
        {
            if (previous?.FirstOrDefault(c => c.Type == condition.Type)?.Status == condition.Status)
            {
                continue;
            }

            var pressure = condition.Status == "True";
            var reason = condition.Type switch
            {
                "Ready" => pressure ? "NodeReady" : "NodeNotReady",
                "MemoryPressure" => pressure ? "NodeHasInsufficientMemory" : "NodeHasSufficientMemory",
                "DiskPressure" => pressure ? "NodeHasDiskPressure" : "NodeHasNoDiskPressure",
                "PIDPressure" => pressure ? "NodeHasInsufficientPID" : "NodeHasSufficientPID",
                _ => null,
            };
            if (reason is not null)
            {
                events.Event(Reference(nodeName), EventTypes.Normal, reason, $"Node {nodeName} status is now: {reason}");
            }
        }
    }
}
