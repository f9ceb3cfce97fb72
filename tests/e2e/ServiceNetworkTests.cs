using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// Services across two `timonel agent` nodes: the agents' service proxies balance a ClusterIP
/// over pods on both nodes, NodePort answers on a node address, and a pod resolves the Service's
/// name through the cluster DNS behind the kube-dns ClusterIP. The other parts of this class
/// cover endpoints coming and going (readiness, scaling), session affinity, LoadBalancer
/// Services, and the agent's own lifecycle (restart, --cleanup); they share one cluster.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class ServiceNetworkTests : IClassFixture<TwoNodeCluster>
{
    private readonly TwoNodeCluster cluster;

    public ServiceNetworkTests(TwoNodeCluster cluster)
    {
        this.cluster = cluster;
    }

    [NodeFact]
    public async Task Service_PodsOnBothNodes_ClusterIpSpreadsNodePortAnswersAndNameResolves()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("svc");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-a", "node-1", "web", "httpd", "-f", "-p", "8080", "-h", "/")));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-b", "node-2", "web", "httpd", "-f", "-p", "8080", "-h", "/")));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "client", "node-1", "client", "sleep", "3600")));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "service", "nodeport", "web", "--tcp=80:8080"));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "patch", "service", "web", "-p", """{"spec":{"selector":{"app":"web"}}}"""));
        await Eventually.WaitAsync(async _ =>
        {
            var pods = await cluster.PodsAsync(ns, "e2e=service");
            return pods.Count == 3 && pods.Values.All(p => p.Phase == "Running" && p.Ip.Length > 0) ? pods : null;
        }, TimeSpan.FromSeconds(90), "3 pods Running");
        var clusterIp = await cluster.Kubectl.JsonPathAsync(ns, "service/web", "{.spec.clusterIP}");
        var nodePort = await cluster.Kubectl.JsonPathAsync(ns, "service/web", "{.spec.ports[0].nodePort}");

        // From the client pod on node-1, the ClusterIP reaches both pods (one on each node).
        var clientNetns = await Eventually.WaitAsync(_ => cluster.Agent("node-1").PodNetnsAsync(ns, "client"), TimeSpan.FromSeconds(10), "client pod process");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await Eventually.WaitAsync(async _ =>
        {
            if (await MultiNodeCluster.HttpGetAsync(clientNetns, $"http://{clusterIp}/etc/hostname") is { } body)
            {
                seen.Add(body.Trim());
            }

            return seen.Count == 2;
        }, TimeSpan.FromSeconds(60), $"both web pods answering on {clusterIp}:80 (seen: {string.Join(",", seen)})\n{cluster.Agent("node-1").LogTail(10)}");
        Assert.Equal(["web-a", "web-b"], seen.Order(StringComparer.Ordinal));

        // NodePort on node-2's address, from node-1's host namespace.
        var viaNodePort = await Eventually.WaitAsync(
            _ => MultiNodeCluster.HttpGetAsync(cluster.Agent("node-1").Host.NetnsPath, $"http://{cluster.Agent("node-2").Host.Address}:{nodePort}/etc/hostname"),
            TimeSpan.FromSeconds(30),
            $"NodePort {nodePort} answering on node-2");
        Assert.Contains(viaNodePort.Trim(), new[] { "web-a", "web-b" });

        // The Service's name, through the pod's resolv.conf (kube-dns ClusterIP → an agent's DNS server).
        var lookup = await Eventually.WaitAsync(async _ =>
        {
            var run = await cluster.Kubectl.RunAsync("-n", ns, "exec", "client", "--", "nslookup", $"web.{ns}.svc.cluster.local");
            return run.ExitCode == 0 && run.Stdout.Contains(clusterIp, StringComparison.Ordinal) ? run.Stdout : null;
        }, TimeSpan.FromSeconds(30), $"web.{ns}.svc.cluster.local resolving to {clusterIp} inside the client pod");
        Assert.Contains(clusterIp, lookup, StringComparison.Ordinal);

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    private async Task<IReadOnlyDictionary<string, (string Ip, string Node, string Phase)>> WaitRunningAsync(string ns, int count) =>
        await Eventually.WaitAsync(async _ =>
        {
            var pods = await cluster.PodsAsync(ns, "e2e=service");
            return pods.Count == count && pods.Values.All(p => p.Phase == "Running" && p.Ip.Length > 0) ? pods : null;
        }, TimeSpan.FromSeconds(90), $"{count} pods Running in {ns}");

    /// <summary>A Service named <paramref name="name"/> over the pods labelled app=web, port 80 → 8080 (and any extra ports).</summary>
    private async Task<string> CreateServiceAsync(string ns, string name, string type = "ClusterIP", string extraSpec = "", string extraPorts = "")
    {
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {name}
              namespace: {ns}
            spec:
              type: {type}
              selector:
                app: web
              ports:
              - name: http
                port: 80
                targetPort: 8080
            {extraPorts}
            {extraSpec}
            """));
        return await cluster.Kubectl.JsonPathAsync(ns, $"service/{name}", "{.spec.clusterIP}");
    }

    /// <summary>The client pod's network namespace on node-1 (from its sandbox's process).</summary>
    private Task<string> ClientNetnsAsync(string ns, string node = "node-1", string pod = "client") =>
        Eventually.WaitAsync(_ => cluster.Agent(node).PodNetnsAsync(ns, pod), TimeSpan.FromSeconds(10), $"{pod} pod process on {node}");

    /// <summary>Which pods answered <paramref name="count"/> GETs of /etc/hostname (each a new connection); null for a failed request.</summary>
    private static async Task<List<string?>> HostnamesAsync(string netns, string url, int count)
    {
        var answers = new List<string?>();
        for (var i = 0; i < count; i++)
        {
            answers.Add((await MultiNodeCluster.HttpGetAsync(netns, $"{url}/etc/hostname"))?.Trim());
        }

        return answers;
    }

    /// <summary>`nft list table ip timonel` inside a node's namespace; empty when the table is missing.</summary>
    private static async Task<string> ProxyTableAsync(AgentProcess agent)
    {
        var list = await agent.Host.ExecAsync("nft", "list", "table", "ip", "timonel");
        return list.Succeeded ? list.Stdout : string.Empty;
    }

    private static string Pod(string ns, string name, string node, string app, params string[] command) => PodWith(ns, name, node, app, string.Empty, command);

    /// <summary>A busybox pod pinned to <paramref name="node"/>; <paramref name="containerExtra"/> is YAML added to its container (probes), indented by 4.</summary>
    private static string PodWith(string ns, string name, string node, string app, string containerExtra, params string[] command) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            e2e: service
            app: {app}
        spec:
          nodeName: {node}
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: {AgentProcess.BusyboxImage}
            command: [{string.Join(", ", command.Select(c => $"\"{c}\""))}]
        {containerExtra}
        """;
}
