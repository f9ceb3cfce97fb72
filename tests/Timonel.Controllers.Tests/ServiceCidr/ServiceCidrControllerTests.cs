using k8s;
using k8s.Models;
using Timonel.Controllers.ServiceCidr;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ServiceCidr;

public sealed class ServiceCidrControllerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    private static V1ServiceCIDR Cidr(string name, string cidr) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceCIDRSpec { Cidrs = [cidr] },
    };

    private static V1Service Service(string name, string clusterIp) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec { ClusterIP = clusterIp, Ports = [new V1ServicePort { Port = 80 }], Selector = new Dictionary<string, string> { ["app"] = "web" } },
    };

    private static V1Condition? Ready(V1ServiceCIDR cidr) => cidr.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

    private static async Task<bool> GoneAsync(IKubernetes client, string name) =>
        await TestObjects.IsGoneAsync(() => client.NetworkingV1.ReadServiceCIDRAsync(name));

    [Fact]
    public async Task Create_ServiceCidr_GetsFinalizerAndReadyTrue()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "service-cidr");

        await harness.Client.NetworkingV1.CreateServiceCIDRAsync(Cidr("extra", "10.97.0.0/24"));

        var ready = await Eventually.WaitAsync(async ct =>
        {
            var cidr = await harness.Client.NetworkingV1.ReadServiceCIDRAsync("extra", cancellationToken: ct);
            return cidr.Metadata.Finalizers?.Contains(ServiceCidrController.Finalizer) == true && Ready(cidr)?.Status == "True" ? cidr : null;
        }, Wait, "extra ready with its finalizer");
        var defaultCidr = await Eventually.WaitAsync(async ct =>
        {
            var cidr = await harness.Client.NetworkingV1.ReadServiceCIDRAsync("kubernetes", cancellationToken: ct);
            return cidr.Metadata.Finalizers?.Contains(ServiceCidrController.Finalizer) == true ? cidr : null;
        }, Wait, "default range protected");

        Assert.Equal("True", Ready(ready)!.Status);
        Assert.Equal("True", Ready(defaultCidr)!.Status);
    }

    [Fact]
    public async Task Delete_ServiceCidrWithAddressInUse_StaysTerminatingUntilTheAddressIsGone()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "service-cidr");
        var ns = await harness.Cluster.CreateNamespaceAsync("cidr");
        // A range no address uses goes at once: the controller lets go of what it may.
        await harness.Client.NetworkingV1.CreateServiceCIDRAsync(Cidr("unused", "10.98.0.0/24"));
        await WaitForFinalizerAsync(harness.Client, "unused");
        await harness.Client.NetworkingV1.DeleteServiceCIDRAsync("unused");
        await Eventually.WaitAsync(ct => GoneAsync(harness.Client, "unused"), Wait, "unused range deleted");

        await harness.Client.NetworkingV1.CreateServiceCIDRAsync(Cidr("extra", "10.97.0.0/24"));
        await WaitForFinalizerAsync(harness.Client, "extra");
        await harness.Client.CoreV1.CreateNamespacedServiceAsync(Service("web", "10.97.0.10"), ns);
        await harness.Client.NetworkingV1.DeleteServiceCIDRAsync("extra");

        var terminating = await Eventually.WaitAsync(async ct =>
        {
            var cidr = await harness.Client.NetworkingV1.ReadServiceCIDRAsync("extra", cancellationToken: ct);
            return Ready(cidr) is { Status: "False", Reason: ServiceCidrController.TerminatingReason } ? cidr : null;
        }, Wait, "extra terminating");
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.NotNull(await harness.Client.NetworkingV1.ReadIPAddressAsync("10.97.0.10"));

        await harness.Client.CoreV1.DeleteNamespacedServiceAsync("web", ns);

        await Eventually.WaitAsync(ct => GoneAsync(harness.Client, "extra"), Wait, "extra deleted once its address is gone");
    }

    private static Task WaitForFinalizerAsync(IKubernetes client, string name) =>
        Eventually.WaitAsync(async ct => (await client.NetworkingV1.ReadServiceCIDRAsync(name, cancellationToken: ct)).Metadata.Finalizers?.Contains(ServiceCidrController.Finalizer) == true, Wait, $"{name} has its finalizer");
}
