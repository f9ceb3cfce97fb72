using System.Net;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Tests.Infrastructure;

namespace Timonel.Kubelet.Tests;

/// <summary>`timonel agent --cleanup`'s part in the node's network, inside a namespace the test makes.</summary>
public sealed class IpRouteTableCleanupTests
{
    [RootFact]
    public async Task RemoveAllAsync_AgentRoutesAndMasqueradeTable_RemovedOthersKept()
    {
        using var netns = NetworkNamespace.Create("tk-cleanup");
        // A veth pair inside the namespace stands for the node's uplink (no dummy module on these machines).
        netns.Exec("ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1");
        netns.Exec("ip", "addr", "add", "10.98.0.11/24", "dev", "d0");
        netns.Exec("ip", "link", "set", "d1", "up");
        netns.Exec("ip", "link", "set", "d0", "up");
        netns.Exec("ip", "route", "add", "10.50.0.0/24", "via", "10.98.0.13");
        var table = new IpRouteTable(netns.Path);
        await table.ReplaceAsync(new PodRoute("10.42.1.0/24", IPAddress.Parse("10.98.0.12"), "b"), CancellationToken.None);
        await table.EnsureForwardingAsync("10.42.0.0/24", "10.42.0.0/16", CancellationToken.None);
        Assert.Contains(IpRouteTable.MasqueradeTable, netns.Exec("nft", "list", "tables"), StringComparison.Ordinal);

        await table.RemoveAllAsync(CancellationToken.None);

        Assert.Empty(await table.ListAsync(CancellationToken.None));
        Assert.Contains("10.50.0.0/24 via 10.98.0.13", netns.Exec("ip", "-4", "route", "show"), StringComparison.Ordinal);
        Assert.DoesNotContain(IpRouteTable.MasqueradeTable, netns.Exec("nft", "list", "tables"), StringComparison.Ordinal);
    }

    [RootFact]
    public async Task RemoveAllAsync_NothingToRemove_Succeeds()
    {
        using var netns = NetworkNamespace.Create("tk-cleanup");
        var table = new IpRouteTable(netns.Path);

        await table.RemoveAllAsync(CancellationToken.None);
        await table.RemoveAllAsync(CancellationToken.None);

        Assert.Empty(netns.Exec("nft", "list", "tables").Trim());
    }
}
