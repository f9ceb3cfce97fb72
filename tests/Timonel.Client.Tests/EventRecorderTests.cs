using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Events;
using Timonel.Testing;
using Timonel.Client.Tests.LeaderElection;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class EventRecorderTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private readonly TestCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Event_SameEventTwice_OneEventWithCountTwo()
    {
        var ns = await _cluster.CreateNamespaceAsync("ev");
        var cm = await _cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "web" } }, ns);
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using (var recorder = new EventRecorder(_cluster.Client, "test-controller", "host-1", time: clock))
        {
            recorder.Event(cm, EventTypes.Normal, "Synced", "all good");
            clock.Advance(TimeSpan.FromMinutes(1));
            recorder.Event(cm, EventTypes.Normal, "Synced", "all good");
            recorder.Event(cm, EventTypes.Warning, "Failed", "something broke");
        }

        var events = (await _cluster.Client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        Assert.Equal(2, events.Count);
        var synced = Assert.Single(events, e => e.Reason == "Synced");
        Assert.Equal(2, synced.Count);
        Assert.StartsWith("web.", synced.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc), synced.FirstTimestamp);
        Assert.Equal(new DateTime(2025, 1, 2, 3, 5, 5, DateTimeKind.Utc), synced.LastTimestamp);
        Assert.Equal("ConfigMap", synced.InvolvedObject.Kind);
        Assert.Equal(cm.Metadata.Uid, synced.InvolvedObject.Uid);
        Assert.Equal("test-controller", synced.Source.Component);
        Assert.Equal("host-1", synced.Source.Host);
        var failed = Assert.Single(events, e => e.Reason == "Failed");
        Assert.Equal("Warning", failed.Type);
        Assert.Equal(1, failed.Count);
    }

    [Fact]
    public async Task Event_RepeatAfterTenMinutes_NewEvent()
    {
        var ns = await _cluster.CreateNamespaceAsync("ev");
        var cm = await _cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "web" } }, ns);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using (var recorder = new EventRecorder(_cluster.Client, "test-controller", time: clock))
        {
            recorder.Event(cm, EventTypes.Normal, "Synced", "same");
            clock.Advance(TimeSpan.FromMinutes(11));
            recorder.Event(cm, EventTypes.Normal, "Synced", "same");
        }

        var events = (await _cluster.Client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(1, e.Count));
    }

    [Fact]
    public async Task Event_ClusterScopedObject_WrittenToDefaultNamespace()
    {
        var node = await _cluster.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = _cluster.UniqueName("node") } });
        await using (var recorder = new EventRecorder(_cluster.Client, "node-controller"))
        {
            recorder.Event(node, EventTypes.Normal, "RegisteredNode", $"Node {node.Metadata.Name} event");
        }

        var events = (await _cluster.Client.CoreV1.ListNamespacedEventAsync("default")).Items;
        var e = Assert.Single(events, e => e.InvolvedObject.Name == node.Metadata.Name);
        Assert.Equal("Node", e.InvolvedObject.Kind);
    }

    [Fact]
    public async Task Event_BadTypeOrReason_Throws()
    {
        await using var recorder = new EventRecorder(_cluster.Client, "c");
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default" } };
        Assert.Throws<ArgumentException>(() => recorder.Event(pod, "Info", "Reason", "m"));
        Assert.Throws<ArgumentException>(() => recorder.Event(pod, EventTypes.Normal, "", "m"));
        Assert.Equal("Pod", EventRecorder.ReferenceTo(pod).Kind);
        Assert.Equal("v1", EventRecorder.ReferenceTo(pod).ApiVersion);
    }
}
