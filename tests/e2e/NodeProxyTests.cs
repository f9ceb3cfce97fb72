using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.E2E.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// nodes/{name}/proxy against a real agent's kubelet: the API server forwards to the kubelet's
/// HTTPS server with its kubelet client certificate, driven by the real kubectl (`get --raw`, and
/// `kubectl proxy` on a loopback port of the control plane's namespace).
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class NodeProxyTests(SingleNodeCluster cluster, ITestOutputHelper output) : IClassFixture<SingleNodeCluster>
{
    [NodeFact]
    public async Task NodeProxy_KubectlGetRaw_ReachesTheKubeletsHealthStatsAndMetrics()
    {
        var healthz = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("get", "--raw", "/api/v1/nodes/node-1/proxy/healthz"));
        Assert.Equal("ok", healthz.Stdout.Trim());

        var summary = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("get", "--raw", "/api/v1/nodes/node-1/proxy/stats/summary"));
        var node = JsonNode.Parse(summary.Stdout)!["node"]!;
        Assert.Equal("node-1", node["nodeName"]!.GetValue<string>());
        Assert.True(node["memory"]?["workingSetBytes"]?.GetValue<long>() > 0, summary.Stdout);

        // The kubelet's port named explicitly goes the same way.
        var metrics = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("get", "--raw", "/api/v1/nodes/node-1:10250/proxy/metrics/resource"));
        Assert.Contains("# TYPE node_memory_working_set_bytes gauge", metrics.Stdout, StringComparison.Ordinal);
        Assert.Contains("scrape_error 0", metrics.Stdout, StringComparison.Ordinal);
        output.WriteLine(metrics.Stdout);
    }

    [NodeFact]
    public async Task NodeProxy_BadInput_UpstreamStatuses()
    {
        KubectlAssert.Fails(await cluster.Kubectl.RunAsync("get", "--raw", "/api/v1/nodes/no-such-node/proxy/healthz"), "nodes \"no-such-node\" not found");
        KubectlAssert.Fails(await cluster.Kubectl.RunAsync("get", "--raw", "/api/v1/nodes/a:b:c:d/proxy/healthz"), "invalid node request \"a:b:c:d\"");
        // The kubelet's own 404 comes back as it is.
        KubectlAssert.Fails(await cluster.Kubectl.RunAsync("get", "--raw", "/api/v1/nodes/node-1/proxy/no-such-kubelet-path"), "NotFound");
    }

    [NodeFact]
    public async Task NodeProxy_ThroughKubectlProxy_LoopbackPortServesTheKubelet()
    {
        await using var proxy = cluster.Kubectl.Start("proxy", "--address=127.0.0.1", "--port=0");
        Assert.True(
            await proxy.WaitForLineAsync(l => l.StartsWith("Starting to serve on 127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromSeconds(20)),
            $"kubectl proxy did not start: {proxy.Stdout}");
        var port = ServingPort().Match(proxy.Stdout).Groups[1].Value;

        var healthz = await MultiNodeCluster.HttpGetAsync(cluster.ControlPlane.NetnsPath, $"http://127.0.0.1:{port}/api/v1/nodes/node-1/proxy/healthz");
        var summary = await MultiNodeCluster.HttpGetAsync(cluster.ControlPlane.NetnsPath, $"http://127.0.0.1:{port}/api/v1/nodes/node-1/proxy/stats/summary");

        var stopped = await proxy.StopAsync();
        Assert.True(healthz == "ok", $"healthz through kubectl proxy: {healthz ?? "(request failed)"}\n{stopped.Stderr}");
        Assert.Equal("node-1", JsonNode.Parse(summary!)!["node"]!["nodeName"]!.GetValue<string>());
    }

    [GeneratedRegex(@"Starting to serve on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingPort();
}
