using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Kubelet.Network;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>Services across the agent's own lifecycle: a restart keeps traffic flowing, --cleanup removes the agent's tables and routes.</summary>
public sealed partial class ServiceNetworkTests
{
    [NodeFact]
    public async Task ClusterIp_AgentRestarted_OpenConnectionAndNewRequestsKeepWorking()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("restart");
        // Each backend serves HTTP on 8080 and echoes lines on 9000 (a persistent nc, one cat per connection).
        string[] web = ["sh", "-c", "httpd -p 8080 -h / && exec nc -ll -p 9000 -e cat"];
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-a", "node-1", "web", web)));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-b", "node-2", "web", web)));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "client", "node-1", "client", "sleep", "3600")));
        await WaitRunningAsync(ns, 3);
        var clusterIp = await CreateServiceAsync(ns, "web", extraPorts: "  - name: echo\n    port: 9000\n    targetPort: 9000");
        var client = await ClientNetnsAsync(ns);
        await WaitForBothBackendsAsync(client, clusterIp);
        var node1 = cluster.Agent("node-1");
        var podsBefore = await ContainerIdsAsync(ns);

        // A long-lived TCP connection through the ClusterIP, opened before the restart.
        using var echo = await Eventually.WaitAsync(async ct =>
        {
            var socket = await new NodeNetwork(client).ConnectAsync(new IPEndPoint(IPAddress.Parse(clusterIp), 9000), ct);
            return await EchoAsync(socket, "hello") ? socket : null;
        }, TimeSpan.FromSeconds(20), $"an echo connection to {clusterIp}:9000");

        // Requests every 100 ms (a new connection each) and a line on the open connection, all through the restart.
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var requests = 0;
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var at = DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
                if (await MultiNodeCluster.HttpGetAsync(client, $"http://{clusterIp}/etc/hostname") is null)
                {
                    failures.Add($"{at} GET {clusterIp}");
                }

                if (!await EchoAsync(echo, $"line {requests}"))
                {
                    failures.Add($"{at} echo on the open connection");
                }

                requests++;
                await Task.Delay(100, CancellationToken.None);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(1));
        var restart = Stopwatch.StartNew();
        await node1.RestartAsync();
        // The Node stays Ready through a short restart, so the new agent's own log says when its proxy has reconciled the table.
        await Eventually.WaitAsync(
            _ => Task.FromResult(node1.LogSinceStart().Contains("table ip timonel in step", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(90),
            "the restarted agent's service proxy in step");
        await cluster.WaitForNodesReadyAsync(["node-1"], TimeSpan.FromSeconds(90));
        // Traffic goes on a while after the restarted agent reconciled its table.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await traffic;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agent restart: {requests} rounds over {restart.Elapsed.TotalSeconds:0.0} s, {failures.Count} failures"));
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} rounds failed during the agent restart:\n{string.Join('\n', failures)}\n{node1.LogTail(30)}");
        Assert.True(requests > 20, $"only {requests} rounds ran");

        // The restarted agent adopted the pods: the same containers, none restarted.
        Assert.Equal(podsBefore, await ContainerIdsAsync(ns));
        Assert.True(await EchoAsync(echo, "after"), "the open connection still echoes after the restart");

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task AgentCleanup_AfterStop_RemovesProxyTableAndRestartRebuildsIt()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("cleanup");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(ns, "web-b", "node-2", "web", "httpd", "-f", "-p", "8080", "-h", "/")));
        await WaitRunningAsync(ns, 1);
        var clusterIp = await CreateServiceAsync(ns, "web", type: "NodePort");
        var node2 = cluster.Agent("node-2");
        await Eventually.WaitAsync(async _ => (await ProxyTableAsync(node2)).Contains(clusterIp, StringComparison.Ordinal), TimeSpan.FromSeconds(20), $"{clusterIp} in node-2's table");

        // Pod IPs of no real node (simulated nodes' pods) are refused on the node, never sent out by its default route.
        Assert.Contains("unreachable 10.42.0.0/16", await node2.Host.CheckAsync("ip", "-4", "route", "show", "proto", "73"), StringComparison.Ordinal);

        // The pod's container process and its network namespace, to follow them through stop and cleanup.
        var podNetns = await node2.PodNetnsAsync(ns, "web-b") ?? throw new InvalidOperationException("web-b runs no process on node-2");
        var podPid = int.Parse(podNetns.Split('/')[2], CultureInfo.InvariantCulture);
        var netnsName = (await HostCommand.RunAsync(["ip", "netns", "identify", podPid.ToString(CultureInfo.InvariantCulture)])).Stdout.Trim();
        Assert.StartsWith("cni-", netnsName, StringComparison.Ordinal);

        try
        {
            // A stopped agent leaves its tables and routes (traffic keeps flowing) and its pods
            // running (a restart adopts them), but never its containerd.
            await node2.StopAsync();
            Assert.Contains(clusterIp, await ProxyTableAsync(node2), StringComparison.Ordinal);
            Assert.True(MachineProcesses.IsAlive(podPid), "the pod's container outlives a stopped agent");
            var afterStop = MachineProcesses.Mentioning(node2.DataDir);
            Assert.Contains(afterStop, p => p.Contains("containerd-shim", StringComparison.Ordinal));
            Assert.DoesNotContain(afterStop, p => p.Contains("containerd --config", StringComparison.Ordinal));

            var cleanup = await HostCommand.RunAsync(["nsenter", $"--net={node2.Host.NetnsPath}", "--", RepoRoot.Launcher, "agent", "--cleanup", "--data-dir", node2.DataDir], TimeSpan.FromSeconds(120));
            Assert.True(cleanup.Succeeded, cleanup.ToString());

            // Nothing of the agent remains: no process (containerd, shim, container), no mount under
            // its data dir, no pod network namespace.
            Assert.False(MachineProcesses.IsAlive(podPid), $"the pod's container process {podPid} still runs after --cleanup:\n{cleanup}");
            Assert.Empty(MachineProcesses.Mentioning(node2.DataDir));
            Assert.Empty(MachineProcesses.MountsUnder(node2.DataDir));
            Assert.False(File.Exists($"/var/run/netns/{netnsName}"), $"pod network namespace {netnsName} left after --cleanup");
            var ruleset = await node2.Host.CheckAsync("nft", "list", "ruleset");
            Assert.DoesNotContain("table ip timonel", ruleset, StringComparison.Ordinal);
            Assert.Empty(TimonelObjects(ruleset));
            Assert.Equal(string.Empty, (await node2.Host.CheckAsync("ip", "-4", "route", "show", "proto", "73")).Trim());

            // Running --cleanup again finds nothing to delete and still succeeds.
            var again = await HostCommand.RunAsync(["nsenter", $"--net={node2.Host.NetnsPath}", "--", RepoRoot.Launcher, "agent", "--cleanup", "--data-dir", node2.DataDir], TimeSpan.FromSeconds(120));
            Assert.True(again.Succeeded, again.ToString());
        }
        finally
        {
            // The agent comes back for the class's other tests, and writes its table anew.
            await node2.RestartAsync();
            await cluster.WaitForNodesReadyAsync(["node-2"], TimeSpan.FromSeconds(90));
        }

        await Eventually.WaitAsync(async _ => (await ProxyTableAsync(node2)).Contains(clusterIp, StringComparison.Ordinal), TimeSpan.FromSeconds(30), $"{clusterIp} back in node-2's table after the restart");
        await Eventually.WaitAsync(
            async _ => (await node2.Host.CheckAsync("ip", "-4", "route", "show", "proto", "73")).Contains($"via {cluster.Agent("node-1").Host.Address}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            "node-2's route to node-1's pods back after the restart");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <summary>Lines of a ruleset that declare a Timonel table, chain, set or map (CNI's rule comments naming the "timonel" network are not Timonel's objects).</summary>
    private static List<string> TimonelObjects(string ruleset) =>
        [.. ruleset.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("table ", StringComparison.Ordinal) || l.StartsWith("chain ", StringComparison.Ordinal) || l.StartsWith("set ", StringComparison.Ordinal) || l.StartsWith("map ", StringComparison.Ordinal))
            .Where(l => l.Contains("timonel", StringComparison.OrdinalIgnoreCase))];

    /// <summary>Sends one line on the connection and reads it back; false when it does not come back within 3 s.</summary>
    private static async Task<bool> EchoAsync(Socket socket, string line)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await socket.SendAsync(Encoding.ASCII.GetBytes(line + "\n"), timeout.Token);
            var received = new StringBuilder();
            var buffer = new byte[256];
            while (!received.ToString().Contains('\n', StringComparison.Ordinal))
            {
                var n = await socket.ReceiveAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    return false;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            return received.ToString() == line + "\n";
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Every container of the namespace's pods with its restart count (name → id/restarts).</summary>
    private async Task<string> ContainerIdsAsync(string ns) =>
        (await cluster.Kubectl.JsonPathAsync(ns, "pods", "{range .items[*]}{.metadata.name}={.status.containerStatuses[0].containerID}/{.status.containerStatuses[0].restartCount}{\"\\n\"}{end}")).Trim();
}
