using System.Diagnostics;
using System.Globalization;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>Which endpoints a Service's traffic reaches: readiness, session affinity, LoadBalancer ingress, scaling.</summary>
public sealed partial class ServiceNetworkTests
{
    /// <summary>Container YAML: ready while /ready exists (checked every second, one failure is enough).</summary>
    private const string ReadyFileProbe = """
            readinessProbe:
              exec:
                command: ["cat", "/ready"]
              periodSeconds: 1
              failureThreshold: 1
        """;

    [NodeFact]
    public async Task ClusterIp_BackendFailsReadiness_OnlyReadyBackendAnswersUntilItRecovers()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("ready");
        string[] web = ["sh", "-c", "touch /ready && exec httpd -f -p 8080 -h /"];
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(PodWith(ns, "web-a", "node-1", "web", ReadyFileProbe, web)));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(PodWith(ns, "web-b", "node-2", "web", ReadyFileProbe, web)));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "client", "node-1", "client", "sleep", "3600")));
        await WaitRunningAsync(ns, 3);
        var clusterIp = await CreateServiceAsync(ns, "web");
        var client = await ClientNetnsAsync(ns);
        await WaitForBothBackendsAsync(client, clusterIp);

        // web-b's probe starts failing: once its endpoint is not ready, every request lands on web-a.
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "exec", "web-b", "--", "rm", "/ready"));
        await Eventually.WaitAsync(
            async _ => await cluster.Kubectl.JsonPathAsync(ns, "pod/web-b", "{.status.conditions[?(@.type==\"Ready\")].status}") == "False",
            TimeSpan.FromSeconds(20),
            "web-b reported not Ready");
        await Eventually.WaitAsync(
            async _ => (await HostnamesAsync(client, $"http://{clusterIp}", 10)).All(h => h == "web-a"),
            TimeSpan.FromSeconds(10),
            "only web-a answering once web-b is not ready");
        var afterFailure = await HostnamesAsync(client, $"http://{clusterIp}", 20);
        Assert.All(afterFailure, h => Assert.Equal("web-a", h));

        // Ready again: web-b takes traffic once more.
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "exec", "web-b", "--", "touch", "/ready"));
        await WaitForBothBackendsAsync(client, clusterIp);

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task ClusterIp_SessionAffinityClientIp_OneClientSticksToOneBackend()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("affinity");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-a", "node-1", "web", "httpd", "-f", "-p", "8080", "-h", "/")));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-b", "node-2", "web", "httpd", "-f", "-p", "8080", "-h", "/")));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "client", "node-1", "client", "sleep", "3600")));
        await WaitRunningAsync(ns, 3);
        var spreadIp = await CreateServiceAsync(ns, "spread");
        var stickyIp = await CreateServiceAsync(ns, "sticky", extraSpec: "  sessionAffinity: ClientIP");
        Assert.Equal("ClientIP", await cluster.Kubectl.JsonPathAsync(ns, "service/sticky", "{.spec.sessionAffinity}"));
        var client = await ClientNetnsAsync(ns);

        // Without affinity both pods answer the same client.
        await WaitForBothBackendsAsync(client, spreadIp);

        // With ClientIP affinity, once the first request got through, all of them reach the same pod.
        var first = await Eventually.WaitAsync(
            async _ => (await HostnamesAsync(client, $"http://{stickyIp}", 1))[0],
            TimeSpan.FromSeconds(30),
            $"the sticky Service answering on {stickyIp}");
        var answers = await HostnamesAsync(client, $"http://{stickyIp}", 40);
        Assert.All(answers, h => Assert.Equal(first, h));

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task LoadBalancer_GetsNodeIngressIps_EachAnswersFromAnotherHost()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("lb");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-a", "node-1", "web", "httpd", "-f", "-p", "8080", "-h", "/")));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-b", "node-2", "web", "httpd", "-f", "-p", "8080", "-h", "/")));
        await WaitRunningAsync(ns, 2);
        await CreateServiceAsync(ns, "web", type: "LoadBalancer");

        // kubectl shows the ingress IPs (the Ready nodes' InternalIPs) as the EXTERNAL-IP.
        var external = await Eventually.WaitAsync(async _ =>
        {
            var row = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "get", "service", "web", "--no-headers")).Stdout;
            var column = row.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 3 } fields ? fields[3] : "";
            return column.Contains("10.98.0.", StringComparison.Ordinal) ? column : null;
        }, TimeSpan.FromSeconds(30), "an EXTERNAL-IP on the LoadBalancer Service");
        var ingress = (await cluster.Kubectl.JsonPathAsync(ns, "service/web", "{.status.loadBalancer.ingress[*].ip}")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cluster.Agents.Select(a => a.Host.Address!.ToString()).Order(StringComparer.Ordinal), ingress.Order(StringComparer.Ordinal));
        Assert.Equal(string.Join(',', ingress), external);

        // The control-plane host is no node: its requests to each ingress IP on the Service port reach a web pod.
        foreach (var ip in ingress)
        {
            var body = await Eventually.WaitAsync(
                _ => MultiNodeCluster.HttpGetAsync(cluster.ControlPlane.NetnsPath, $"http://{ip}/etc/hostname"),
                TimeSpan.FromSeconds(20),
                $"load balancer ingress {ip}:80 answering the control-plane host\n{await ProxyTableAsync(cluster.Agents.Single(a => a.Host.Address!.ToString() == ip))}");
            Assert.Contains(body.Trim(), new[] { "web-a", "web-b" });
        }

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task Deployment_ScaledUp_NewPodInOtherNodesRulesSoonAfterReady()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("scale");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(WebDeployment(ns, replicas: 1)));
        await CreateServiceAsync(ns, "web");
        var first = await WaitRunningAsync(ns, 1);

        // A watch timestamps the moment each pod is Ready; nft on the other node is polled meanwhile.
        await using var watch = cluster.Kubectl.Start("-n", ns, "get", "pods", "-l", "app=web", "-w", "-o", "jsonpath={.metadata.name} {.status.podIP} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}");
        Assert.True(await watch.WaitForLineAsync(l => l.StartsWith(first.Keys.Single(), StringComparison.Ordinal), TimeSpan.FromSeconds(10)), "the pod watch lists the first pod");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "scale", "deployment", "web", "--replicas=2"));

        // Both nodes' tables are polled from the scale on: which node is "the other" is known only once the pod is placed.
        var clock = Stopwatch.StartNew();
        using var stopPolling = new CancellationTokenSource();
        var firstSeen = new System.Collections.Concurrent.ConcurrentDictionary<(string Node, string Ip), TimeSpan>();
        var polling = Task.Run(() => RecordEndpointsInRulesAsync($"{ns}/web/tcp/http", firstSeen, clock, stopPolling.Token));
        var ready = await Eventually.WaitAsync(
            async _ =>
            {
                // A tighter loop than Eventually's, for the timestamp's sake.
                for (var i = 0; i < 50; i++)
                {
                    if (ReadyLine(watch.Stdout, first.Keys.Single()) is { } pod)
                    {
                        return new ReadyPod(pod.Name, pod.Ip, clock.Elapsed);
                    }

                    await Task.Delay(10);
                }

                return null;
            },
            TimeSpan.FromSeconds(60),
            $"the new pod Ready\n{watch.Stdout}");
        var node = (await cluster.PodsAsync(ns, "e2e=service"))[ready.Name].Node;
        var other = cluster.Agents.Single(a => a.NodeName != node);
        var inRules = await Eventually.WaitAsync(
            _ => Task.FromResult(firstSeen.TryGetValue((other.NodeName, ready.Ip), out var at) ? (object)at : null),
            TimeSpan.FromSeconds(10),
            $"{ready.Ip} in {other.NodeName}'s nft rules\n{await ProxyTableAsync(other)}");
        await stopPolling.CancelAsync();
        await polling;
        var delay = (TimeSpan)inRules - ready.Seen;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scaling: new pod {ready.Name} ({ready.Ip}) on {node} Ready → in {other.NodeName}'s nft rules after {delay.TotalMilliseconds:0} ms"));

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <summary>Until cancelled, lists each node's table in turn and notes when each endpoint chain of <paramref name="servicePort"/> (ns/svc/proto/port) first appears.</summary>
    private async Task RecordEndpointsInRulesAsync(string servicePort, System.Collections.Concurrent.ConcurrentDictionary<(string Node, string Ip), TimeSpan> firstSeen, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var agent in cluster.Agents)
            {
                var table = await ProxyTableAsync(agent);
                var at = clock.Elapsed;
                foreach (var ip in System.Text.RegularExpressions.Regex.Matches(table, System.Text.RegularExpressions.Regex.Escape(servicePort) + @"__(\d+\.\d+\.\d+\.\d+)/").Select(m => m.Groups[1].Value))
                {
                    firstSeen.TryAdd((agent.NodeName, ip), at);
                }
            }
        }
    }

    /// <summary>Waits until requests from <paramref name="client"/> to <paramref name="clusterIp"/>:80 have reached both web-a and web-b.</summary>
    private static async Task WaitForBothBackendsAsync(string client, string clusterIp)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await Eventually.WaitAsync(async _ =>
        {
            seen.UnionWith((await HostnamesAsync(client, $"http://{clusterIp}", 4)).OfType<string>());
            return seen.SetEquals(["web-a", "web-b"]);
        }, TimeSpan.FromSeconds(30), $"web-a and web-b both answering on {clusterIp}:80");
    }

    /// <summary>The first watch line of a pod other than <paramref name="exclude"/> that has an IP and Ready=True.</summary>
    private static (string Name, string Ip)? ReadyLine(string watchOutput, string exclude) =>
        watchOutput.Split('\n')
            .Select(l => l.Split(' '))
            .Where(f => f.Length == 3 && f[0] != exclude && f[1].Length > 0 && f[2] == "True")
            .Select(f => ((string Name, string Ip)?)(f[0], f[1]))
            .FirstOrDefault();

    private static string WebDeployment(string ns, int replicas) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
                e2e: service
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: {AgentProcess.BusyboxImage}
                command: ["httpd", "-f", "-p", "8080", "-h", "/"]
        """;

    private sealed record ReadyPod(string Name, string Ip, TimeSpan Seen);
}
