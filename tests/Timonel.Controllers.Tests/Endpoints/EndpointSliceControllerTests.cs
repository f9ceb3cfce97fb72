using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Endpoints;

public sealed class EndpointSliceControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "endpointslice");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Task<IList<V1EndpointSlice>> WaitSlicesAsync(string ns, Func<IList<V1EndpointSlice>, bool> accept, string what) =>
        Eventually.WaitAsync(async ct =>
        {
            var list = await Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: "kubernetes.io/service-name=web", cancellationToken: ct);
            return list.Items.Count > 0 && accept(list.Items) ? list.Items : null;
        }, Patience, what);

    [Fact]
    public async Task SelectedPods_ListedWithConditions_LabelsOwnerAndPorts()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("eps");
        var service = await Client.CoreV1.CreateNamespacedServiceAsync(EndpointsControllerTests.Service("web"), ns);
        await PodStatus.CreateRunningAsync(Client, ns, EndpointsControllerTests.WebPod("ready"), "10.42.0.5", ready: true);
        await PodStatus.CreateRunningAsync(Client, ns, EndpointsControllerTests.WebPod("starting"), "10.42.0.6", ready: false);
        await Client.CoreV1.CreateNamespacedPodAsync(EndpointsControllerTests.WebPod("no-ip"), ns);

        var slices = await WaitSlicesAsync(ns, s => s.Sum(x => x.Endpoints?.Count ?? 0) == 2, "a slice with two endpoints");

        var slice = Assert.Single(slices);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal("endpointslice-controller.k8s.io", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        Assert.StartsWith("web-", slice.Metadata.Name, StringComparison.Ordinal);
        var owner = Assert.Single(slice.Metadata.OwnerReferences);
        Assert.Equal((service.Metadata.Uid, true), (owner.Uid, owner.Controller == true));
        var port = Assert.Single(slice.Ports);
        Assert.Equal(("web", 8080), (port.Name, port.Port));
        var ready = slice.Endpoints.Single(e => e.TargetRef.Name == "ready");
        Assert.Equal((true, true, false), (ready.Conditions.Ready!.Value, ready.Conditions.Serving!.Value, ready.Conditions.Terminating!.Value));
        Assert.Equal(["10.42.0.5"], ready.Addresses);
        Assert.Equal("node-1", ready.NodeName);
        var starting = slice.Endpoints.Single(e => e.TargetRef.Name == "starting");
        Assert.False(starting.Conditions.Ready);

        // A terminating pod stays listed, marked terminating and not ready.
        await Client.CoreV1.DeleteNamespacedPodAsync("ready", ns);
        var after = await WaitSlicesAsync(ns, s => s.SelectMany(x => x.Endpoints ?? []).Any(e => e.Conditions.Terminating == true), "the terminating endpoint");
        var terminating = after.SelectMany(x => x.Endpoints).Single(e => e.TargetRef.Name == "ready");
        Assert.Equal((false, true), (terminating.Conditions.Ready!.Value, terminating.Conditions.Serving!.Value));
    }

    [Fact]
    public async Task ManyPods_SplitIntoSlicesOfAtMost100()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("eps-many");
        await Client.CoreV1.CreateNamespacedServiceAsync(EndpointsControllerTests.Service("web"), ns);
        for (var i = 0; i < 101; i++)
        {
            await PodStatus.CreateRunningAsync(Client, ns, EndpointsControllerTests.WebPod($"p{i}"), $"10.42.{i / 200}.{(i % 200) + 1}", ready: true);
        }

        var slices = await WaitSlicesAsync(ns, s => s.Sum(x => x.Endpoints?.Count ?? 0) == 101, "101 endpoints over the slices");

        Assert.Equal(2, slices.Count);
        Assert.All(slices, s => Assert.True(s.Endpoints.Count <= 100));
        Assert.Equal(101, slices.SelectMany(s => s.Endpoints).Select(e => e.Addresses[0]).Distinct().Count());
    }

    [Fact]
    public async Task ServiceWithNoPods_HasOneEmptySlice()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("eps-empty");
        await Client.CoreV1.CreateNamespacedServiceAsync(EndpointsControllerTests.Service("web"), ns);

        var slices = await WaitSlicesAsync(ns, _ => true, "a slice");
        await Task.Delay(500);
        slices = (await Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns)).Items;

        var slice = Assert.Single(slices);
        Assert.Empty(slice.Endpoints ?? []);
    }
}
