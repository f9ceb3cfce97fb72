using k8s;
using k8s.Models;
using Timonel.Controllers.Tests.Endpoints;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.EndpointSliceMirroring;

public sealed class EndpointSliceMirroringControllerTests : IAsyncLifetime
{
    private const string Mirrored = "endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    // The endpointslice controller runs too: it must leave mirrored slices alone.
    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "endpointslicemirroring", "endpointslice");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private static V1Service SelectorlessService(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "db", Port = 5432, Protocol = "TCP" }] },
    };

    private static V1Endpoints ManualEndpoints(string name, string[] ready, string[] notReady, int port = 5432, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Subsets =
        [
            new V1EndpointSubset
            {
                Addresses = [.. ready.Select(ip => new V1EndpointAddress { Ip = ip, NodeName = "node-1" })],
                NotReadyAddresses = notReady.Length == 0 ? null : [.. notReady.Select(ip => new V1EndpointAddress { Ip = ip })],
                Ports = [new Corev1EndpointPort { Name = "db", Port = port, Protocol = "TCP" }],
            },
        ],
    };

    private async Task<IList<V1EndpointSlice>> MirroredSlicesAsync(string ns, string service, CancellationToken ct = default) =>
        (await Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: $"{Mirrored},kubernetes.io/service-name={service}", cancellationToken: ct)).Items;

    private Task<V1EndpointSlice> WaitSliceAsync(string ns, string service, Func<V1EndpointSlice, bool> accept, string what) =>
        Eventually.WaitAsync(async ct => (await MirroredSlicesAsync(ns, service, ct)) is [var only] && accept(only) ? only : null, Patience, what);

    private static IEnumerable<string> Ips(V1EndpointSlice slice, bool ready) =>
        (slice.Endpoints ?? []).Where(e => e.Conditions.Ready == ready).Select(e => e.Addresses[0]).Order(StringComparer.Ordinal);

    [Fact]
    public async Task SelectorlessService_ManualEndpoints_MirroredWithAddressesPortsAndConditions()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("mirror");
        await Client.CoreV1.CreateNamespacedServiceAsync(SelectorlessService("db"), ns);
        var endpoints = await Client.CoreV1.CreateNamespacedEndpointsAsync(ManualEndpoints("db", ["10.1.0.1", "10.1.0.2"], ["10.1.0.3"], labels: new() { ["team"] = "data" }), ns);

        var slice = await WaitSliceAsync(ns, "db", s => s.Endpoints?.Count == 3, "a mirrored slice with three endpoints");

        Assert.Equal("IPv4", slice.AddressType);
        Assert.StartsWith("db-", slice.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(("db", "data"), (slice.Metadata.Labels["kubernetes.io/service-name"], slice.Metadata.Labels["team"]));
        var owner = Assert.Single(slice.Metadata.OwnerReferences);
        Assert.Equal(("Endpoints", endpoints.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller == true));
        var port = Assert.Single(slice.Ports);
        Assert.Equal(("db", 5432, "TCP"), (port.Name, port.Port, port.Protocol));
        Assert.Equal(["10.1.0.1", "10.1.0.2"], Ips(slice, ready: true));
        Assert.Equal(["10.1.0.3"], Ips(slice, ready: false));
        Assert.Equal("node-1", slice.Endpoints.First(e => e.Addresses[0] == "10.1.0.1").NodeName);

        // The endpointslice controller, seeing a service without a selector, keeps no slices of its own and deletes none of these.
        await Task.Delay(500);
        var all = (await Client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns)).Items;
        Assert.Equal([slice.Metadata.Name], all.Select(s => s.Metadata.Name));
    }

    [Fact]
    public async Task EndpointsUpdated_SliceFollows_ThenEndpointsDeleted_SliceRemoved()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("mirror-upd");
        await Client.CoreV1.CreateNamespacedServiceAsync(SelectorlessService("db"), ns);
        await Client.CoreV1.CreateNamespacedEndpointsAsync(ManualEndpoints("db", ["10.1.0.1"], []), ns);
        var first = await WaitSliceAsync(ns, "db", s => s.Endpoints?.Count == 1, "the first mirrored slice");

        var endpoints = await Client.CoreV1.ReadNamespacedEndpointsAsync("db", ns);
        endpoints.Subsets = ManualEndpoints("db", ["10.1.0.7"], ["fd00::9"], port: 6543).Subsets;
        await Client.CoreV1.ReplaceNamespacedEndpointsAsync(endpoints, "db", ns);

        var updated = await Eventually.WaitAsync(
            async ct => (await MirroredSlicesAsync(ns, "db", ct)) is { Count: 2 } s && s.Any(x => x.AddressType == "IPv6") && s.Any(x => x.AddressType == "IPv4" && Ips(x, true).SequenceEqual(["10.1.0.7"])) ? s : null,
            Patience, "an IPv4 and an IPv6 slice for the new addresses");
        var v4 = updated.Single(s => s.AddressType == "IPv4");
        Assert.Equal(first.Metadata.Name, v4.Metadata.Name);
        Assert.Equal(6543, Assert.Single(v4.Ports).Port);
        var v6 = updated.Single(s => s.AddressType == "IPv6");
        Assert.Equal(["fd00::9"], Ips(v6, ready: false));

        await Client.CoreV1.DeleteNamespacedEndpointsAsync("db", ns);

        await Eventually.WaitAsync(async ct => (await MirroredSlicesAsync(ns, "db", ct)).Count == 0 ? (object)true : null, Patience, "the mirrored slices removed");
        Assert.Empty(await MirroredSlicesAsync(ns, "db"));
    }

    [Fact]
    public async Task ServiceWithSelector_EndpointsNotMirrored()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("mirror-sel");
        // First: a selector-less service beside it is mirrored, so the controller is at work in this namespace.
        await Client.CoreV1.CreateNamespacedServiceAsync(SelectorlessService("db"), ns);
        await Client.CoreV1.CreateNamespacedEndpointsAsync(ManualEndpoints("db", ["10.1.0.1"], []), ns);
        await Client.CoreV1.CreateNamespacedServiceAsync(EndpointsControllerTests.Service("web"), ns);
        await Client.CoreV1.CreateNamespacedEndpointsAsync(ManualEndpoints("web", ["10.1.0.2"], []), ns);
        await WaitSliceAsync(ns, "db", s => s.Endpoints?.Count == 1, "the selector-less service's slice");

        await Task.Delay(500);

        Assert.Empty(await MirroredSlicesAsync(ns, "web"));
    }

    [Fact]
    public async Task SkipMirrorLabel_NotMirrored_AndRemovedWhenAdded()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("mirror-skip");
        await Client.CoreV1.CreateNamespacedServiceAsync(SelectorlessService("db"), ns);
        await Client.CoreV1.CreateNamespacedEndpointsAsync(ManualEndpoints("db", ["10.1.0.1"], []), ns);
        await Client.CoreV1.CreateNamespacedServiceAsync(SelectorlessService("skipped"), ns);
        await Client.CoreV1.CreateNamespacedEndpointsAsync(ManualEndpoints("skipped", ["10.1.0.2"], [], labels: new() { ["endpointslice.kubernetes.io/skip-mirror"] = "true" }), ns);
        await WaitSliceAsync(ns, "db", s => s.Endpoints?.Count == 1, "the unlabelled endpoints' slice");

        await Task.Delay(500);
        Assert.Empty(await MirroredSlicesAsync(ns, "skipped"));

        // Labelling mirrored Endpoints afterwards removes their slice.
        var endpoints = await Client.CoreV1.ReadNamespacedEndpointsAsync("db", ns);
        endpoints.Metadata.Labels = new Dictionary<string, string> { ["endpointslice.kubernetes.io/skip-mirror"] = "true" };
        await Client.CoreV1.ReplaceNamespacedEndpointsAsync(endpoints, "db", ns);
        await Eventually.WaitAsync(async ct => (await MirroredSlicesAsync(ns, "db", ct)).Count == 0 ? (object)true : null, Patience, "the slice removed after skip-mirror");
    }
}
