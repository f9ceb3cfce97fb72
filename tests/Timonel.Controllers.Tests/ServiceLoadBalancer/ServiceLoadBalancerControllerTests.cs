using k8s;
using k8s.Models;
using Timonel.Controllers.ServiceLoadBalancer;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ServiceLoadBalancer;

public sealed class ServiceLoadBalancerControllerTests
{
    private static async Task AddNodeAsync(IKubernetes client, string name, string ip, bool ready, bool excluded = false)
    {
        var labels = excluded ? new Dictionary<string, string> { [ServiceLoadBalancerController.ExcludeLabel] = "" } : null;
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name, Labels = labels } });
        await SetNodeStatusAsync(client, name, ip, ready);
    }

    private static Task SetNodeStatusAsync(IKubernetes client, string name, string ip, bool ready)
    {
        var status = ready ? "True" : "False";
        var patch = "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"" + ip + "\"},{\"type\":\"Hostname\",\"address\":\"" + name + "\"}],"
            + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"" + status + "\",\"reason\":\"Test\",\"lastHeartbeatTime\":\"2026-01-01T00:00:00Z\",\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}]}}";
        return client.CoreV1.PatchNodeStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), name);
    }

    private static V1Service Service(string name, string type = "LoadBalancer") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec { Type = type, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080, Protocol = "TCP" }] },
    };

    private static Task<string[]> IngressAsync(IKubernetes client, string name, string ns, string[] expected) =>
        Eventually.WaitAsync(async ct =>
        {
            var service = await client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct);
            var ips = (service.Status?.LoadBalancer?.Ingress ?? []).Select(i => i.Ip).ToArray();
            return ips.SequenceEqual(expected) ? ips : null;
        }, TimeSpan.FromSeconds(30), $"ingress [{string.Join(", ", expected)}] on {name}");

    [Fact]
    public async Task LoadBalancerService_GetsEligibleNodesInternalIps_AndFollowsNodeReadiness()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "service-lb-controller");
        var ns = await harness.Cluster.CreateNamespaceAsync("lb");
        await AddNodeAsync(harness.Client, "n1", "192.168.80.11", ready: true);
        await AddNodeAsync(harness.Client, "n2", "192.168.80.12", ready: false);
        await AddNodeAsync(harness.Client, "n3", "192.168.80.13", ready: true, excluded: true);

        await harness.Client.CoreV1.CreateNamespacedServiceAsync(Service("web"), ns);
        await IngressAsync(harness.Client, "web", ns, ["192.168.80.11"]);

        await SetNodeStatusAsync(harness.Client, "n2", "192.168.80.12", ready: true);
        await IngressAsync(harness.Client, "web", ns, ["192.168.80.11", "192.168.80.12"]);
        Assert.Contains(harness.Events, e => e.Name == "web" && e.Reason == "EnsuredLoadBalancer");
    }

    [Fact]
    public async Task ServiceChangedToClusterIp_LosesItsIngress()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "service-lb-controller");
        var ns = await harness.Cluster.CreateNamespaceAsync("lb");
        await AddNodeAsync(harness.Client, "n1", "192.168.80.21", ready: true);
        await harness.Client.CoreV1.CreateNamespacedServiceAsync(Service("web"), ns);
        await IngressAsync(harness.Client, "web", ns, ["192.168.80.21"]);

        var patch = new V1Patch("""{"spec":{"type":"ClusterIP","ports":[{"port":80,"targetPort":8080,"protocol":"TCP","nodePort":null}]}}""", V1Patch.PatchType.MergePatch);
        await harness.Client.CoreV1.PatchNamespacedServiceAsync(patch, "web", ns);

        await IngressAsync(harness.Client, "web", ns, []);
    }

    [Fact]
    public async Task ServiceWithLoadBalancerClass_IsLeftToItsImplementation()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "service-lb-controller");
        var ns = await harness.Cluster.CreateNamespaceAsync("lb");
        await AddNodeAsync(harness.Client, "n1", "192.168.80.31", ready: true);
        var other = Service("other");
        other.Spec.LoadBalancerClass = "example.com/external";
        await harness.Client.CoreV1.CreateNamespacedServiceAsync(other, ns);
        await harness.Client.CoreV1.CreateNamespacedServiceAsync(Service("ours"), ns);

        await IngressAsync(harness.Client, "ours", ns, ["192.168.80.31"]);
        var service = await harness.Client.CoreV1.ReadNamespacedServiceAsync("other", ns);

        Assert.Empty(service.Status?.LoadBalancer?.Ingress ?? []);
    }

    [Fact]
    public async Task LocalProvider_UsesOnlyInternalIps_SortedAndDistinct()
    {
        var provider = new LocalCloudProvider();
        V1Node Node(params (string Type, string Address)[] addresses) => new() { Status = new V1NodeStatus { Addresses = [.. addresses.Select(a => new V1NodeAddress { Address = a.Address, Type = a.Type })] } };

        var status = await provider.LoadBalancer.EnsureLoadBalancerAsync(
            Service("web"),
            [Node(("InternalIP", "10.0.0.9"), ("ExternalIP", "203.0.113.5")), Node(("InternalIP", "10.0.0.2"), ("Hostname", "b")), Node(("InternalIP", "10.0.0.9"))],
            CancellationToken.None);

        Assert.Equal(["10.0.0.2", "10.0.0.9"], status.Ingress.Select(i => i.Ip));
        Assert.All(status.Ingress, i => Assert.Equal("VIP", i.IpMode));
        Assert.Equal("local", provider.Name);
    }
}
