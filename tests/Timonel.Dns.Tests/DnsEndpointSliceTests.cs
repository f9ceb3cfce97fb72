using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Dns.Hosting;
using Timonel.Testing;

namespace Timonel.Dns.Tests;

public sealed class DnsEndpointSliceTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ServerStart_CreatesSelectorlessKubeDnsServiceOnTheFixedIp()
    {
        var svc = await _cluster.Client.CoreV1.ReadNamespacedServiceAsync("kube-dns", "kube-system");

        Assert.Equal("10.43.0.10", svc.Spec.ClusterIP);
        Assert.Null(svc.Spec.Selector);
        Assert.Equal(["dns/UDP/53", "dns-tcp/TCP/53"], svc.Spec.Ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}"));
    }

    [Fact]
    public async Task EnsureAsync_MissingOrDrifted_CreatesThenRestores()
    {
        var slice = new DnsEndpointSlice(_cluster.Client, "node-x", IPAddress.Parse("10.77.0.9"), 53);

        await slice.EnsureAsync(CancellationToken.None);
        var created = await _cluster.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("kube-dns-node-x", "kube-system");
        created.Endpoints[0].Addresses = ["10.77.0.99"];
        await _cluster.Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(created, "kube-dns-node-x", "kube-system");
        await slice.EnsureAsync(CancellationToken.None);
        var restored = await _cluster.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("kube-dns-node-x", "kube-system");

        Assert.Equal("10.77.0.9", Assert.Single(Assert.Single(restored.Endpoints).Addresses));
        Assert.Equal("node-x", restored.Endpoints[0].NodeName);
    }

    [Fact]
    public async Task NodeDnsService_CleanStop_RemovesItsSlice()
    {
        var dns = NodeDnsService.Start(_cluster.NewClient(), new NodeDnsOptions { NodeName = "node-z", ListenAddress = IPAddress.Loopback, Port = 0, Upstreams = [] }, NullLoggerFactory.Instance);
        await dns.Listening.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.WaitAsync(async ct => (await _cluster.Client.DiscoveryV1.ListNamespacedEndpointSliceAsync("kube-system", cancellationToken: ct)).Items.Any(s => s.Metadata.Name == "kube-dns-node-z"), TimeSpan.FromSeconds(10), "slice published");

        await dns.DisposeAsync();

        var left = await _cluster.Client.DiscoveryV1.ListNamespacedEndpointSliceAsync("kube-system");
        Assert.DoesNotContain(left.Items, s => s.Metadata.Name == "kube-dns-node-z");
    }

    [Fact]
    public async Task DeleteAsync_RemovesSliceAndToleratesItsAbsence()
    {
        var slice = new DnsEndpointSlice(_cluster.Client, "node-y", IPAddress.Parse("10.77.0.10"), 53);
        await slice.EnsureAsync(CancellationToken.None);

        await slice.DeleteAsync(CancellationToken.None);
        await slice.DeleteAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _cluster.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("kube-dns-node-y", "kube-system"));
        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
    }
}
