using System.Net;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Dns.Hosting;
using Timonel.Testing;

namespace Timonel.Dns.Tests.Infrastructure;

/// <summary>An in-process API server, a fake upstream and a node DNS server on 127.0.0.1 (free port) answering from it.</summary>
public sealed class DnsClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public FakeUpstream Upstream { get; private set; } = null!;

    public NodeDnsService Dns { get; private set; } = null!;

    public IPEndPoint Server { get; private set; } = null!;

    public IKubernetes Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync();
        Upstream = new FakeUpstream();
        Dns = NodeDnsService.Start(Cluster.NewClient(), new NodeDnsOptions
        {
            NodeName = "dns-node",
            ListenAddress = IPAddress.Loopback,
            Port = 0,
            Upstreams = [Upstream.EndPoint],
        }, NullLoggerFactory.Instance);
        Server = await Dns.Listening.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await Dns.DisposeAsync();
        await Upstream.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
