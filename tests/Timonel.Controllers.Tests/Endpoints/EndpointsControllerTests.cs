using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Endpoints;

public sealed class EndpointsControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "endpoint", "endpointslice");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    internal static V1Service Service(string name, bool publishNotReady = false, bool headless = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["tier"] = "front" } },
        Spec = new V1ServiceSpec
        {
            Selector = TestObjects.AppLabels,
            ClusterIP = headless ? "None" : null,
            PublishNotReadyAddresses = publishNotReady,
            Ports = headless ? null : [new V1ServicePort { Name = "web", Port = 80, TargetPort = "http", Protocol = "TCP" }],
        },
    };

    internal static V1Pod WebPod(string name, int containerPort = 8080)
    {
        var pod = TestObjects.Pod(name);
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { Name = "http", ContainerPort = containerPort }];
        return pod;
    }

    private Task<V1Endpoints> WaitEndpointsAsync(string ns, string name, Func<V1Endpoints, bool> accept, string what) =>
        Eventually.WaitAsync(async ct =>
        {
            var list = await Client.CoreV1.ListNamespacedEndpointsAsync(ns, cancellationToken: ct);
            return list.Items.FirstOrDefault(e => e.Metadata.Name == name && accept(e));
        }, Patience, what);

    private static IEnumerable<string> Ips(IEnumerable<V1EndpointAddress>? addresses) => addresses?.Select(a => a.Ip) ?? [];

    [Fact]
    public async Task SelectedPods_ReadyInAddresses_NotReadyApart_NamedPortResolved()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("ep");
        await Client.CoreV1.CreateNamespacedServiceAsync(Service("web"), ns);
        await PodStatus.CreateRunningAsync(Client, ns, WebPod("ready"), "10.42.0.5", ready: true);
        await PodStatus.CreateRunningAsync(Client, ns, WebPod("starting"), "10.42.0.6", ready: false);
        await Client.CoreV1.CreateNamespacedPodAsync(WebPod("no-ip"), ns);
        await PodStatus.CreateRunningAsync(Client, ns, TestObjects.Pod("other", labels: new() { ["app"] = "db" }), "10.42.0.7", ready: true);

        var endpoints = await WaitEndpointsAsync(ns, "web", e => e.Subsets?.Count == 1 && e.Subsets[0].NotReadyAddresses?.Count == 1, "endpoints with one ready and one not-ready address");

        var subset = Assert.Single(endpoints.Subsets);
        var address = Assert.Single(subset.Addresses);
        Assert.Equal("10.42.0.5", address.Ip);
        Assert.Equal("node-1", address.NodeName);
        Assert.Equal(("Pod", "ready", ns), (address.TargetRef.Kind, address.TargetRef.Name, address.TargetRef.NamespaceProperty));
        Assert.Equal(["10.42.0.6"], Ips(subset.NotReadyAddresses));
        var port = Assert.Single(subset.Ports);
        Assert.Equal(("web", 8080, "TCP"), (port.Name, port.Port, port.Protocol));
        Assert.Equal("front", endpoints.Metadata.Labels["tier"]);

        // Readiness moves the address; deletion removes it.
        await PodStatus.SetAsync(Client, ns, "starting", "10.42.0.6", ready: true);
        await WaitEndpointsAsync(ns, "web", e => e.Subsets?.Count == 1 && Ips(e.Subsets[0].Addresses).Count() == 2 && e.Subsets[0].NotReadyAddresses is null, "both addresses ready");
        await Client.CoreV1.DeleteNamespacedPodAsync("ready", ns, gracePeriodSeconds: 0);
        await WaitEndpointsAsync(ns, "web", e => e.Subsets?.Count == 1 && Ips(e.Subsets[0].Addresses).SequenceEqual(["10.42.0.6"]), "the deleted pod's address gone");
    }

    [Fact]
    public async Task PodsWithDifferentPorts_GetSeparateSubsets_AndTerminatingPodsLeave()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("ep-ports");
        await Client.CoreV1.CreateNamespacedServiceAsync(Service("web"), ns);
        await PodStatus.CreateRunningAsync(Client, ns, WebPod("a", 8080), "10.42.0.5", ready: true);
        await PodStatus.CreateRunningAsync(Client, ns, WebPod("b", 9090), "10.42.0.6", ready: true);

        var endpoints = await WaitEndpointsAsync(ns, "web", e => e.Subsets?.Count == 2, "two subsets");
        Assert.Equal([8080, 9090], endpoints.Subsets.Select(s => s.Ports.Single().Port).Order());

        // A bound pod being deleted keeps running through its grace period, but leaves the endpoints at once.
        await Client.CoreV1.DeleteNamespacedPodAsync("b", ns);
        await WaitEndpointsAsync(ns, "web", e => e.Subsets?.Count == 1, "the terminating pod out");
    }

    [Fact]
    public async Task PublishNotReadyAddresses_ListsUnreadyPodsAsAddresses()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("ep-pnr");
        await Client.CoreV1.CreateNamespacedServiceAsync(Service("web", publishNotReady: true), ns);
        await PodStatus.CreateRunningAsync(Client, ns, WebPod("starting"), "10.42.0.6", ready: false);

        var endpoints = await WaitEndpointsAsync(ns, "web", e => e.Subsets?.Count == 1, "a subset");

        Assert.Equal(["10.42.0.6"], Ips(endpoints.Subsets[0].Addresses));
        Assert.Null(endpoints.Subsets[0].NotReadyAddresses);
    }

    [Fact]
    public async Task HeadlessServiceWithoutPorts_ListsAddressesWithHostnames()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("ep-headless");
        await Client.CoreV1.CreateNamespacedServiceAsync(Service("db", headless: true), ns);
        var pod = TestObjects.Pod("db-0");
        pod.Spec.Hostname = "db-0";
        pod.Spec.Subdomain = "db";
        await PodStatus.CreateRunningAsync(Client, ns, pod, "10.42.0.9", ready: true);

        var endpoints = await WaitEndpointsAsync(ns, "db", e => e.Subsets?.Count == 1, "a subset");

        Assert.Equal("db-0", endpoints.Subsets[0].Addresses.Single().Hostname);
        Assert.Null(endpoints.Subsets[0].Ports);
        Assert.True(endpoints.Metadata.Labels.ContainsKey("service.kubernetes.io/headless"));
    }

    [Fact]
    public async Task DeleteService_RemovesEndpoints_ServiceWithoutSelectorIsLeftAlone()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("ep-del");
        await Client.CoreV1.CreateNamespacedServiceAsync(Service("web"), ns);
        var manual = new V1Service { Metadata = new V1ObjectMeta { Name = "manual" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] } };
        await Client.CoreV1.CreateNamespacedServiceAsync(manual, ns);
        await WaitEndpointsAsync(ns, "web", _ => true, "endpoints for web");

        await Client.CoreV1.DeleteNamespacedServiceAsync("web", ns);

        await Eventually.WaitAsync(async ct => (await Client.CoreV1.ListNamespacedEndpointsAsync(ns, cancellationToken: ct)).Items.Count == 0, Patience, "the endpoints to go");
    }
}
