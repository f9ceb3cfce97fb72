using System.Globalization;
using System.Net;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// `timonel server` with its own node agent, as a new user runs the README's first example: the
/// busybox image made on the machine, a Deployment running, then Ctrl-C (SIGTERM) and
/// `agent --cleanup`, after which nothing of the server or its pods remains.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ServerWithAgentTests
{
    [NodeFact]
    public async Task ReadmeFirstExample_ThenSigtermAndCleanup_RunsAndLeavesNothing()
    {
        await using var topology = await NetworkTopology.CreateAsync("tms");
        var machine = await topology.AddHostAsync("m", IPAddress.Parse("10.99.0.1"));
        var server = await TimonelServer.StartWithAgentAsync([], machine.NetnsPath, CancellationToken.None);
        var cleanup = new[] { "nsenter", $"--net={machine.NetnsPath}", "--", RepoRoot.Launcher, "agent", "--cleanup", "--data-dir", server.DataDir };
        try
        {
            var kubectl = new Kubectl(KubectlBinary.Latest, server.KubeconfigPath, Path.Combine(server.RootDir, "home"), machine.NetnsPath);
            // The agent registers its Node a moment after the API serves.
            await Eventually.WaitAsync(
                async _ => (await kubectl.RunAsync("get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}")).Stdout.Trim() == "True",
                TimeSpan.FromSeconds(120),
                "the server's own node Ready");

            // The README's commands, as written (with this server's data dir).
            var image = await HostCommand.RunAsync([RepoRoot.Launcher, "images", "busybox", "--data-dir", server.DataDir], TimeSpan.FromSeconds(60));
            Assert.True(image.Succeeded, image.ToString());
            KubectlAssert.Succeeds(await kubectl.RunAsync("create", "deployment", "web", "--image=docker.io/library/busybox:local", "--replicas=2", "--", "httpd", "-f", "-p", "8080"));
            KubectlAssert.Succeeds(await kubectl.RunAsync(["wait", "--for=condition=Available", "deployment/web", "--timeout=80s"], stdin: null, timeout: TimeSpan.FromSeconds(90)));
            var hostname = KubectlAssert.Succeeds(await kubectl.RunAsync("exec", "deploy/web", "--", "hostname")).Stdout.Trim();
            Assert.StartsWith("web-", hostname, StringComparison.Ordinal);
            KubectlAssert.Succeeds(await kubectl.RunAsync("expose", "deployment", "web", "--port", "80", "--target-port", "8080"));
            var containerPids = await ContainerPidsAsync(server.DataDir);
            Assert.True(containerPids.Count >= 4, $"two pods' sandboxes and containers run: {string.Join(", ", containerPids)}");
            Assert.NotEmpty(MachineProcesses.MountsUnder(server.DataDir));
            Assert.Contains(await PodVethsAsync(machine), _ => true);

            // Ctrl-C: the server stops by itself, components release their Leases through the API
            // before it stops, and its containerd stops with it; the pods' containers stay.
            await server.StopAsync();
            Assert.True(server.LastStopWasClean, $"the server did not stop within its grace period after SIGTERM:\n{server.LogTail()}");
            var log = server.LogTail(int.MaxValue);
            Assert.Contains("released lease kube-system/kube-scheduler", log, StringComparison.Ordinal);
            Assert.DoesNotContain("could not release lease", log, StringComparison.Ordinal);
            var afterStop = MachineProcesses.Mentioning(server.DataDir);
            Assert.DoesNotContain(afterStop, p => p.Contains("containerd --config", StringComparison.Ordinal));
            Assert.Contains(afterStop, p => p.Contains("containerd-shim", StringComparison.Ordinal));
            Assert.All(containerPids, pid => Assert.True(MachineProcesses.IsAlive(pid), $"container process {pid} outlives the stop"));

            // `agent --cleanup`: no process, mount or pod network namespace of it remains.
            var result = await HostCommand.RunAsync(cleanup, TimeSpan.FromSeconds(120));
            Assert.True(result.Succeeded, result.ToString());
            Assert.Contains("removed 2 pod sandboxes", result.Stdout, StringComparison.Ordinal);
            Assert.Empty(MachineProcesses.Mentioning(server.DataDir));
            Assert.All(containerPids, pid => Assert.False(MachineProcesses.IsAlive(pid), $"container process {pid} still runs after --cleanup"));
            Assert.Empty(MachineProcesses.MountsUnder(server.DataDir));
            Assert.Empty(await PodVethsAsync(machine));
        }
        finally
        {
            await server.StopAsync();
            await HostCommand.RunAsync(cleanup, TimeSpan.FromSeconds(120));
            await server.DisposeAsync();
        }
    }

    /// <summary>The pods' veth ends on the machine (its own eth0 is a veth too, to the test's switch).</summary>
    private static async Task<List<string>> PodVethsAsync(NetworkHost machine) =>
        [.. (await machine.CheckAsync("ip", "-o", "link", "show", "type", "veth")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains(" eth0@", StringComparison.Ordinal))];

    /// <summary>The PIDs of the containers (sandboxes included) runc runs for the agent under this data dir.</summary>
    private static async Task<List<int>> ContainerPidsAsync(string dataDir)
    {
        var root = Path.Combine(dataDir, "agent", "containerd", "runc", "k8s.io");
        var list = await HostCommand.RunAsync(["runc", "--root", root, "list", "--format", "json"]);
        Assert.True(list.Succeeded, list.ToString());
        return System.Text.Json.Nodes.JsonNode.Parse(list.Stdout) is System.Text.Json.Nodes.JsonArray containers
            ? [.. containers.Select(c => c?["pid"]?.GetValue<int>() ?? 0).Where(pid => pid > 0)]
            : [];
    }
}
