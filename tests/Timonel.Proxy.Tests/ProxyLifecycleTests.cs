using System.Text.RegularExpressions;
using k8s;
using Timonel.Proxy.Nft;
using Timonel.Proxy.Tests.Infrastructure;

namespace Timonel.Proxy.Tests;

/// <summary>Restarting the proxy under live traffic, and `--cleanup`; each test starts its own proxies.</summary>
public sealed partial class ProxyLifecycleTests(ProxyLifecycleTests.Fixture fixture) : IClassFixture<ProxyLifecycleTests.Fixture>
{
    private const string Ep1 = "10.42.0.11";

    [RootFact]
    public async Task Restart_EstablishedStreamKeepsFlowingAndTableIsAdoptedInPlace()
    {
        var service = await fixture.CreateServiceAsync("stream");
        await fixture.WriteSliceAsync("stream", (Ep1, true));
        var first = await fixture.StartProxyAsync();
        System.Diagnostics.Process? client = null;
        try
        {
            await first.WaitForFirstSyncAsync(CancellationToken.None);
            await ProxyFixture.WaitForRulesAsync(first, r => r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{service.Spec.ClusterIP} . tcp . 9000"));
            var handlesBefore = ChainHandles(fixture.Topology.ListTable()!);

            client = Shell.Start(fixture.Topology.Node.Command("busybox", "nc", service.Spec.ClusterIP, "9000"));
            var lines = 0;
            var reader = client.StandardOutput;
            async Task ReadTicksAsync(int count)
            {
                for (var i = 0; i < count; i++)
                {
                    var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
                    Assert.Equal("tick", line);
                    lines++;
                }
            }

            await ReadTicksAsync(3);
            await first.DisposeAsync();

            // An agent starting again: its first sync is a full reconcile of the table left behind.
            await using var second = await fixture.StartProxyAsync();
            await second.WaitForFirstSyncAsync(CancellationToken.None);
            await ReadTicksAsync(5);
            var handlesAfter = ChainHandles(fixture.Topology.ListTable()!);

            Assert.Equal(8, lines);
            Assert.Equal(handlesBefore["services"], handlesAfter["services"]);
            Assert.Equal(handlesBefore["nat-prerouting"], handlesAfter["nat-prerouting"]);
            Assert.Equal("ep1", await ProxyTopology.GetAsync(fixture.Topology.Node, $"http://{service.Spec.ClusterIP}/"));
        }
        finally
        {
            if (client is not null)
            {
                Shell.Stop(client);
            }

            await first.DisposeAsync();
        }
    }

    [RootFact]
    public async Task Restart_ServiceDeletedWhileDown_StaleChainsRemoved()
    {
        var service = await fixture.CreateServiceAsync("gone");
        await fixture.WriteSliceAsync("gone", (Ep1, true));
        await using (var first = await fixture.StartProxyAsync())
        {
            await ProxyFixture.WaitForRulesAsync(first, r => r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{service.Spec.ClusterIP} . tcp . 80"));
        }

        Assert.Contains("/gone/tcp/http", fixture.Topology.ListTable(), StringComparison.Ordinal);
        await fixture.Cluster.Client.CoreV1.DeleteNamespacedServiceAsync("gone", fixture.Namespace);

        await using var second = await fixture.StartProxyAsync();
        await second.WaitForFirstSyncAsync(CancellationToken.None);

        Assert.DoesNotContain("/gone/", fixture.Topology.ListTable(), StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Cleanup_AfterProxyStopped_LeavesNoTable()
    {
        var service = await fixture.CreateServiceAsync("cleanup");
        await fixture.WriteSliceAsync("cleanup", (Ep1, true));
        await using (var proxy = await fixture.StartProxyAsync())
        {
            await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{service.Spec.ClusterIP} . tcp . 80"));
        }

        Assert.NotNull(fixture.Topology.ListTable());
        await ServiceProxy.CleanupAsync(fixture.Options, CancellationToken.None);
        await ServiceProxy.CleanupAsync(fixture.Options, CancellationToken.None);

        Assert.Null(fixture.Topology.ListTable());
    }

    private static Dictionary<string, string> ChainHandles(string listing) =>
        ChainLine().Matches(listing).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

    [GeneratedRegex(@"chain (\S+) \{ # handle (\d+)")]
    private static partial Regex ChainLine();

    public sealed class Fixture : ProxyFixture
    {
        protected override int EndpointCount => 1;
    }
}
