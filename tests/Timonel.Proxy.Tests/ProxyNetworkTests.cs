using System.Diagnostics;
using k8s;
using k8s.Models;
using Timonel.Proxy.Nft;
using Timonel.Proxy.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.Proxy.Tests;

/// <summary>
/// The proxy programming a real kernel: Services and EndpointSlices in an in-process API server,
/// nftables in a test network namespace, busybox httpd endpoints in their own namespaces.
/// </summary>
public sealed class ProxyNetworkTests(ProxyNetworkTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ProxyNetworkTests.Fixture>
{
    private const string Ep1 = "10.42.0.11";
    private const string Ep2 = "10.42.0.12";
    private const string Ep3 = "10.42.0.13";

    private ProxyTopology Net => fixture.Topology;

    [RootFact]
    public async Task ClusterIp_ThreeReadyEndpoints_AnswersFromEveryEndpoint()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("spread");
        await fixture.WriteSliceAsync("spread", (Ep1, true), (Ep2, true), (Ep3, true));
        await ProxyFixture.WaitForRulesAsync(proxy, r => ProxyFixture.HasEndpoint(r, Ep3) && r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{service.Spec.ClusterIP} . tcp . 80"));

        var seen = await GetManyAsync(Net.Node, $"http://{service.Spec.ClusterIP}/", 30);

        Assert.Equal(["ep1", "ep2", "ep3"], seen.Keys.Order());
    }

    [RootFact]
    public async Task ClusterIp_EndpointTurnsNotReady_StopsReceivingTraffic()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("unready");
        await fixture.WriteSliceAsync("unready", (Ep1, true), (Ep2, true));
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.Chains.Keys.Count(k => k.Contains("/unready/tcp/http__", StringComparison.Ordinal)) == 2);

        await fixture.WriteSliceAsync("unready", (Ep1, true), (Ep2, false));
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.Chains.Keys.Count(k => k.Contains("/unready/tcp/http__", StringComparison.Ordinal)) == 1);
        var seen = await GetManyAsync(Net.Node, $"http://{service.Spec.ClusterIP}/", 15);

        Assert.Equal(["ep1"], seen.Keys);
    }

    [RootFact]
    public async Task ClusterIp_NoEndpoints_IsRefusedNotLeftHanging()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("empty");
        await fixture.WriteSliceAsync("empty", (Ep1, false));
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.NoEndpointServicesMap].ContainsKey($"{service.Spec.ClusterIP} . tcp . 80"));

        var watch = Stopwatch.StartNew();
        var (code, _, errors) = await Shell.TryRunAsync(TimeSpan.FromSeconds(10), Net.Node.Command("curl", "-sS", "-m", "5", $"http://{service.Spec.ClusterIP}/"));

        // curl's 7 is "could not connect" (the TCP reset); a missing rule would time out (28).
        Assert.Equal(7, code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}: {errors}");
    }

    [RootFact]
    public async Task NodePort_FromOutsideTheNode_AnswersOnNodeAddressMasqueraded()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("nodeport", s => s.Type = "NodePort");
        await fixture.WriteSliceAsync("nodeport", (Ep1, true));
        var nodePort = service.Spec.Ports.Single(p => p.Name == "http").NodePort!.Value;
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.ServiceNodePortsMap].ContainsKey($"tcp . {nodePort}"));

        Assert.Equal("ep1", await ProxyTopology.GetAsync(Net.External, $"http://{ProxyTopology.NodeIp}:{nodePort}/"));
        Assert.Equal(ProxyTopology.Gateway, await ProxyTopology.GetAsync(Net.External, $"http://{ProxyTopology.NodeIp}:{nodePort}/cgi-bin/ip"));
        Assert.Equal("ep1", await ProxyTopology.GetAsync(Net.Node, $"http://{ProxyTopology.Gateway}:{nodePort}/"));
    }

    [RootFact]
    public async Task NodePort_ExternalTrafficPolicyLocal_KeepsClientAddress()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("local", s =>
        {
            s.Type = "NodePort";
            s.ExternalTrafficPolicy = "Local";
        });
        await fixture.WriteSliceAsync("local", (Ep2, true));
        var nodePort = service.Spec.Ports.Single(p => p.Name == "http").NodePort!.Value;
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.ServiceNodePortsMap].ContainsKey($"tcp . {nodePort}"));

        Assert.Equal(ProxyTopology.ExternalIp, await ProxyTopology.GetAsync(Net.External, $"http://{ProxyTopology.NodeIp}:{nodePort}/cgi-bin/ip"));
    }

    [RootFact]
    public async Task ClientIpAffinity_RepeatedRequests_StickToOneEndpoint()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("sticky", s =>
        {
            s.SessionAffinity = "ClientIP";
            s.SessionAffinityConfig = new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = 60 } };
        });
        await fixture.WriteSliceAsync("sticky", (Ep1, true), (Ep2, true), (Ep3, true));
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.Sets.Keys.Count(k => k.EndsWith("-60", StringComparison.Ordinal)) >= 3);

        var seen = await GetManyAsync(Net.Node, $"http://{service.Spec.ClusterIP}/", 15);

        Assert.Single(seen);
    }

    [RootFact]
    public async Task LoadBalancer_IngressIp_AnswersOnServicePort()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("lb", s => s.Type = "LoadBalancer");
        await fixture.WriteSliceAsync("lb", (Ep3, true));

        // What the service-lb controller's local provider writes: the node's InternalIP.
        var patch = new V1Patch($"{{\"status\":{{\"loadBalancer\":{{\"ingress\":[{{\"ip\":\"{ProxyTopology.NodeIp}\",\"ipMode\":\"VIP\"}}]}}}}}}", V1Patch.PatchType.MergePatch);
        await fixture.Cluster.Client.CoreV1.PatchNamespacedServiceStatusAsync(patch, "lb", fixture.Namespace);
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{ProxyTopology.NodeIp} . tcp . 80"));

        Assert.Equal("ep3", await ProxyTopology.GetAsync(Net.External, $"http://{ProxyTopology.NodeIp}/"));
        Assert.Equal("ep3", await ProxyTopology.GetAsync(Net.Node, $"http://{service.Spec.ClusterIP}/"));
    }

    [RootFact]
    public async Task Hairpin_PodReachesItselfThroughItsService_Answers()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("hairpin");
        await fixture.WriteSliceAsync("hairpin", (Ep1, true));
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{service.Spec.ClusterIP} . tcp . 80"));

        var ep1 = Net.Endpoints.Single(e => e.Ip == Ep1).Netns;

        Assert.Equal("ep1", await ProxyTopology.GetAsync(ep1, $"http://{service.Spec.ClusterIP}/"));
        Assert.Equal(ProxyTopology.Gateway, await ProxyTopology.GetAsync(ep1, $"http://{service.Spec.ClusterIP}/cgi-bin/ip"));
    }

    [RootFact]
    public async Task Headless_Service_GetsNoRules()
    {
        var proxy = await fixture.ProxyAsync();
        await fixture.CreateServiceAsync("headless", s =>
        {
            s.ClusterIP = "None";
            s.Ports = [new V1ServicePort { Name = "http", Port = 8080, TargetPort = 8080, Protocol = "TCP" }];
        });
        await fixture.WriteSliceAsync("headless", (Ep1, true));
        var marker = await fixture.CreateServiceAsync("after-headless");
        await fixture.WriteSliceAsync("after-headless", (Ep2, true));
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{marker.Spec.ClusterIP} . tcp . 80"));

        Assert.DoesNotContain("/headless/", Net.ListTable(), StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Scale_NewEndpoint_RuleInEffectSoonAfterSliceWrite()
    {
        var proxy = await fixture.ProxyAsync();
        var service = await fixture.CreateServiceAsync("scale");
        await fixture.WriteSliceAsync("scale", (Ep1, true));
        await ProxyFixture.WaitForRulesAsync(proxy, r => r.MapElements[NftNames.ServiceIpsMap].ContainsKey($"{service.Spec.ClusterIP} . tcp . 80"));
        const string ep4 = "10.42.0.14";
        if (!Net.Endpoints.Any(e => e.Ip == ep4))
        {
            Net.AddEndpoint("ep4", ep4);
        }

        var applied = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Stopwatch.StartNew();
        void OnSynced(ProxySyncResult result)
        {
            if (result.Ruleset.Chains.Keys.Any(k => k.Contains("/scale/tcp/http__10.42.0.14/", StringComparison.Ordinal)))
            {
                applied.TrySetResult(watch.Elapsed);
            }
        }

        proxy.Synced += OnSynced;
        try
        {
            watch.Restart();
            await fixture.WriteSliceAsync("scale", (Ep1, true), (ep4, true));
            var ruleTime = await applied.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var seen = await GetManyAsync(Net.Node, $"http://{service.Spec.ClusterIP}/", 20);
            output.WriteLine($"EndpointSlice write → rule applied in the kernel: {ruleTime.TotalMilliseconds:F0} ms");

            Assert.Contains("ep4", seen.Keys);
        }
        finally
        {
            proxy.Synced -= OnSynced;
        }
    }

    private static async Task<Dictionary<string, int>> GetManyAsync(Netns from, string url, int count)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var body = await ProxyTopology.GetAsync(from, url) ?? "(failed)";
            seen[body] = seen.GetValueOrDefault(body) + 1;
        }

        return seen;
    }

    /// <summary>One topology and one proxy for the class; each test uses its own Service.</summary>
    public sealed class Fixture : ProxyFixture;
}
