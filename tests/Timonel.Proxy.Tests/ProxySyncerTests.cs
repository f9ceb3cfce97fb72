using Timonel.Proxy.Model;
using Timonel.Proxy.Nft;

namespace Timonel.Proxy.Tests;

public class ProxySyncerTests
{
    private static readonly ServicePortName Web = new("ns", "web", "http", "tcp");

    private static ServiceState State(params string[] ips) =>
        new(new ServicePortInfo(Web, "10.43.0.10", 80, 0, [], null, false, false), [.. ips.Select(ip => new ProxyEndpoint(ip, 8080, true, true, false, true))]);

    [Fact]
    public async Task SyncAsync_UnchangedServices_AppliesNoSecondTransaction()
    {
        var nft = new FakeNftables();
        var syncer = new ProxySyncer(new ProxyOptions { NodeName = "node-a" }, nft, TimeProvider.System);

        await syncer.SyncAsync([State("10.42.0.5")], full: true, CancellationToken.None);
        await syncer.SyncAsync([State("10.42.0.5")], full: false, CancellationToken.None);

        Assert.Single(nft.Scripts);
        Assert.Equal(1, nft.Lists);
    }

    [Fact]
    public async Task SyncAsync_AfterRejectedTransaction_NextSyncIsFull()
    {
        var nft = new FakeNftables();
        var syncer = new ProxySyncer(new ProxyOptions { NodeName = "node-a" }, nft, TimeProvider.System);
        await syncer.SyncAsync([State("10.42.0.5")], full: true, CancellationToken.None);

        nft.Fail = true;
        await Assert.ThrowsAsync<NftException>(() => syncer.SyncAsync([State("10.42.0.5", "10.42.0.6")], full: false, CancellationToken.None));
        nft.Fail = false;
        var result = await syncer.SyncAsync([State("10.42.0.5", "10.42.0.6")], full: false, CancellationToken.None);

        Assert.True(result.Summary.Full);
        Assert.Equal(2, nft.Lists);
    }

    private sealed class FakeNftables : INftables
    {
        public List<string> Scripts { get; } = [];

        public int Lists { get; private set; }

        public bool Fail { get; set; }

        public Task ApplyAsync(string script, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new NftException("nft -f - failed (1): Error: Could not process rule: No such file or directory");
            }

            Scripts.Add(script);
            return Task.CompletedTask;
        }

        public Task<IReadOnlySet<string>> ListObjectsAsync(CancellationToken cancellationToken)
        {
            Lists++;
            return Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());
        }

        public Task DeleteTableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
