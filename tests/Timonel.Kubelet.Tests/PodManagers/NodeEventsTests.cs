using k8s.Models;
using Timonel.Kubelet.Node;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>The kubelet's events about its Node, with upstream's reasons and texts.</summary>
public sealed class NodeEventsTests
{
    private static V1NodeCondition C(string type, string status) => new() { Type = type, Status = status };

    [Fact]
    public async Task ConditionsChanged_FirstStatusThenNotReady_EventPerChangedCondition()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod());
        var ready = new List<V1NodeCondition> { C("MemoryPressure", "False"), C("Ready", "True") };

        NodeEvents.Starting(h.Rt.Events, "node-1");
        NodeEvents.ConditionsChanged(h.Rt.Events, "node-1", null, ready);
        NodeEvents.ConditionsChanged(h.Rt.Events, "node-1", ready, ready);
        NodeEvents.ConditionsChanged(h.Rt.Events, "node-1", ready, [C("MemoryPressure", "False"), C("Ready", "False")]);

        Assert.Equal(
            [
                "Starting: Starting kubelet.",
                "NodeHasSufficientMemory: Node node-1 status is now: NodeHasSufficientMemory",
                "NodeReady: Node node-1 status is now: NodeReady",
                "NodeNotReady: Node node-1 status is now: NodeNotReady",
            ],
            await h.EventTextsAsync());
        var events = await h.EventsAsync();
        Assert.All(events, e =>
        {
            Assert.Equal(("Node", "node-1", "node-1", "Normal"), (e.InvolvedObject.Kind, e.InvolvedObject.Name, e.InvolvedObject.Uid, e.Type));
            Assert.Equal("default", e.Metadata.NamespaceProperty);
        });
    }
}
