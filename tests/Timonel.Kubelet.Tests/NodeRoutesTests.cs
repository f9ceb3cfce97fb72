using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Network;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests;

/// <summary>NodeRoutes against a real API server, with the kernel table replaced by a recording fake.</summary>
public sealed class NodeRoutesTests
{
    [Fact]
    public async Task StartAsync_StaleRouteAndOtherNodes_StaleRemovedOthersAdded_NodeDeletedRouteRemoved()
    {
        await using var cluster = await TestCluster.StartAsync();
        await CreateNodeAsync(cluster.Client, "self", "10.42.0.0/24", "10.98.0.11");
        await CreateNodeAsync(cluster.Client, "other", "10.42.1.0/24", "10.98.0.12");
        var table = new FakeRouteTable();
        table.Routes["10.42.9.0/24"] = IPAddress.Parse("10.98.0.99");

        await using (var routes = new NodeRoutes(cluster.NewClient(), table, "self", NullLoggerFactory.Instance))
        {
            await routes.StartAsync(CancellationToken.None);

            Assert.Equal(new Dictionary<string, IPAddress> { ["10.42.1.0/24"] = IPAddress.Parse("10.98.0.12") }, table.Snapshot());

            await CreateNodeAsync(cluster.Client, "third", "10.42.2.0/24", "10.98.0.13");
            await Eventually.WaitAsync(_ => Task.FromResult(table.Snapshot().ContainsKey("10.42.2.0/24")), TimeSpan.FromSeconds(10), "route to the new node");

            await cluster.Client.CoreV1.DeleteNodeAsync("other");
            await Eventually.WaitAsync(_ => Task.FromResult(!table.Snapshot().ContainsKey("10.42.1.0/24")), TimeSpan.FromSeconds(10), "route of the deleted node removed");
        }

        // Stopping keeps the routes: pods stay reachable while the agent restarts.
        Assert.Equal(["10.42.2.0/24"], table.Snapshot().Keys);
    }

    private static async Task CreateNodeAsync(IKubernetes client, string name, string cidr, string ip)
    {
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1NodeSpec { PodCIDR = cidr, PodCIDRs = [cidr] } });
        var node = await client.CoreV1.ReadNodeAsync(name);
        node.Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }] };
        await client.CoreV1.ReplaceNodeStatusAsync(node, name);
    }

    private sealed class FakeRouteTable : IRouteTable
    {
        private readonly Lock gate = new();

        public Dictionary<string, IPAddress> Routes { get; } = [];

        public Dictionary<string, IPAddress> Snapshot()
        {
            lock (gate)
            {
                return new Dictionary<string, IPAddress>(Routes);
            }
        }

        public Task<IReadOnlyList<PodRoute>> ListAsync(CancellationToken cancellationToken)
        {
            lock (gate)
            {
                return Task.FromResult<IReadOnlyList<PodRoute>>([.. Routes.Select(r => new PodRoute(r.Key, r.Value, string.Empty))]);
            }
        }

        public Task ReplaceAsync(PodRoute route, CancellationToken cancellationToken)
        {
            lock (gate)
            {
                Routes[route.Destination] = route.Gateway;
            }

            return Task.CompletedTask;
        }

        public Task DeleteAsync(PodRoute route, CancellationToken cancellationToken)
        {
            lock (gate)
            {
                Routes.Remove(route.Destination);
            }

            return Task.CompletedTask;
        }

        public Task EnsureForwardingAsync(string podCidr, string clusterCidr, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
