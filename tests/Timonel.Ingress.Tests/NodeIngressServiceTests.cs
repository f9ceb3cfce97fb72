using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Ingress.Hosting;
using Timonel.Ingress.Proxy;
using Timonel.Ingress.Tests.Infrastructure;

namespace Timonel.Ingress.Tests;

public sealed class NodeIngressServiceTests(IngressFixture fixture) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task Start_PortTaken_RetriesUntilFreeInsteadOfFailing()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        using var client = fixture.IngressClient;
        var options = new IngressControllerOptions { NodeName = "node-1", Proxy = new IngressProxyOptions { ListenAddress = IPAddress.Loopback, HttpPort = port, HttpsPort = 0 } };

        await using var service = NodeIngressService.Start(client, options, NullLoggerFactory.Instance, bindRetry: TimeSpan.FromMilliseconds(50));

        // Several retries fail while the port is held...
        await Assert.ThrowsAsync<TimeoutException>(() => service.Started.WaitAsync(TimeSpan.FromMilliseconds(500)));
        holder.Stop();
        // ...and the next one after it is released binds it.
        var controller = await service.Started.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(port, controller.Proxy.HttpEndPoint.Port);
    }

    [Fact]
    public void Start_PortOutOfRange_NamesTheFlag()
    {
        using var client = fixture.IngressClient;
        var options = new IngressControllerOptions { NodeName = "node-1", Proxy = new IngressProxyOptions { HttpPort = 80, HttpsPort = 70000 } };

        var error = Assert.Throws<ArgumentException>(() => NodeIngressService.Start(client, options, NullLoggerFactory.Instance));

        Assert.Equal("--ingress-https-port 70000 is not between 0 and 65535", error.Message);
    }
}
