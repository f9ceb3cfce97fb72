using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// Pod networking across two `timonel agent` nodes (host-gw routes the agents keep from the Node
/// objects), the control plane in a third namespace, all on one test bridge.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class MultiNodeNetworkTests : IClassFixture<TwoNodeCluster>
{
    private readonly TwoNodeCluster cluster;

    public MultiNodeNetworkTests(TwoNodeCluster cluster)
    {
        this.cluster = cluster;
    }

    [NodeFact]
    public async Task PodOnNodeA_GetsPodOnNodeB_ByPodIp()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("xnode");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "server", "node-2", "httpd", "-f", "-p", "8080", "-h", "/")));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "client", "node-1", "sleep", "3600")));
        var pods = await WaitRunningAsync(ns, 2);
        Assert.Equal("node-2", pods["server"].Node);
        Assert.Equal("node-1", pods["client"].Node);

        // node-1 routes node-2's podCIDR through node-2's address on the bridge.
        var node2Cidr = await cluster.Kubectl.JsonPathAsync("", "node/node-2", "{.spec.podCIDR}");
        var route = await cluster.Agent("node-1").Host.CheckAsync("ip", "-4", "route", "show", node2Cidr);
        Assert.Contains($"via {cluster.Agent("node-2").Host.Address}", route, StringComparison.Ordinal);

        // From inside the client pod's own network namespace, across the bridge, to the server pod.
        var clientNetns = await Eventually.WaitAsync(_ => cluster.Agent("node-1").PodNetnsAsync(ns, "client"), TimeSpan.FromSeconds(10), "client pod process");
        var body = await Eventually.WaitAsync(
            _ => MultiNodeCluster.HttpGetAsync(clientNetns, $"http://{pods["server"].Ip}:8080/etc/hostname"),
            TimeSpan.FromSeconds(20),
            $"server pod {pods["server"].Ip} answers the client pod\n{cluster.Agent("node-1").LogTail(10)}");
        Assert.Equal("server", body.Trim());

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task Node_Deleted_RouteRemovedOnOtherNode_BackWhenItRejoins()
    {
        var node1 = cluster.Agent("node-1").Host;
        var node2 = cluster.Agent("node-2");
        var cidr = await cluster.Kubectl.JsonPathAsync("", "node/node-2", "{.spec.podCIDR}");
        await Eventually.WaitAsync(async _ => (await node1.CheckAsync("ip", "-4", "route", "show", cidr)).Contains("via", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "route to node-2's podCIDR on node-1");

        // The agent stops first, or its next status update would meet a missing Node.
        await node2.StopAsync();
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "node", "node-2"));
        await Eventually.WaitAsync(async _ => (await node1.CheckAsync("ip", "-4", "route", "show", cidr)).Trim().Length == 0, TimeSpan.FromSeconds(10), $"route to {cidr} removed on node-1");

        // The node joins again (its podCIDR may differ): node-1 routes to it once more.
        await node2.RestartAsync();
        await cluster.WaitForNodesReadyAsync(["node-2"], TimeSpan.FromSeconds(90));
        var newCidr = await cluster.Kubectl.JsonPathAsync("", "node/node-2", "{.spec.podCIDR}");
        await Eventually.WaitAsync(
            async _ => (await node1.CheckAsync("ip", "-4", "route", "show", newCidr)).Contains($"via {node2.Host.Address}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            $"route to {newCidr} via node-2 back on node-1");
    }

    private async Task<IReadOnlyDictionary<string, (string Ip, string Node, string Phase)>> WaitRunningAsync(string ns, int count) =>
        await Eventually.WaitAsync(async _ =>
        {
            var pods = await cluster.PodsAsync(ns, "e2e=multinode");
            return pods.Count == count && pods.Values.All(p => p.Phase == "Running" && p.Ip.Length > 0) ? pods : null;
        }, TimeSpan.FromSeconds(60), $"{count} pods Running with pod IPs");

    private static string Pod(string ns, string name, string node, params string[] command) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            e2e: multinode
        spec:
          nodeName: {node}
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: {AgentProcess.BusyboxImage}
            command: [{string.Join(", ", command.Select(c => $"\"{c}\""))}]
        """;
}
