using System.Net;
using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Simulator.Tests;

/// <summary>
/// kubectl logs/exec/attach/port-forward on a pod of a simulated node: the API server answers
/// itself and never dials the node's made-up address (which would route off the machine).
/// </summary>
public sealed class SimulatedNodeStreamingTests
{
    // TEST-NET-1 (RFC 5737): never routed, so even a dial that slipped through reaches nobody.
    private const string UnroutableAddress = "192.0.2.10";

    [Fact]
    public async Task Streaming_PodOnSimulatedNode_AnsweredByServerWithoutDialing()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("simstream");
        var kubectl = new KubectlRunner(KubectlRunner.Latest, sim.Cluster.KubeconfigPath, Directory.CreateTempSubdirectory("simstream-home-").FullName);

        // First show that a dial to a non-loopback node address is seen (and refused before any
        // packet): a node without the simulated label, whose kubelet "lives" at TEST-NET-1.
        await sim.CreateNodeAsync("not-simulated", podCidr: null, simulated: false);
        await sim.Client.CoreV1.PatchNodeStatusAsync(
            new V1Patch($$$"""{"status":{"addresses":[{"type":"InternalIP","address":"{{{UnroutableAddress}}}"}]}}""", V1Patch.PatchType.MergePatch),
            "not-simulated");
        await sim.CreatePodAsync(ns, "elsewhere", "not-simulated");
        var control = await kubectl.RunAsync("exec", "-n", ns, "elsewhere", "-c", "app", "--", "true");
        Assert.NotEqual(0, control.ExitCode);
        Assert.Contains("not allowed from this server", control.Stderr, StringComparison.Ordinal);
        Assert.Equal([IPAddress.Parse(UnroutableAddress)], sim.Cluster.RefusedKubeletDials.Distinct());
        var seen = sim.Cluster.RefusedKubeletDials.Count;

        await sim.CreateNodeAsync("sim-stream", "10.42.9.0/24");
        await sim.CreatePodAsync(ns, "web", "sim-stream");
        await sim.WaitForPodAsync(ns, "web", p => p.Status?.Phase == "Running", "pod Running");
        var node = await sim.Client.CoreV1.ReadNodeAsync("sim-stream");
        Assert.Contains(node.Status.Addresses, a => a.Type == "InternalIP" && !IPAddress.IsLoopback(IPAddress.Parse(a.Address)));

        (string Verb, string[] Args)[] requests =
        [
            ("read logs from", ["logs", "-n", ns, "web", "-c", "app"]),
            ("exec into", ["exec", "-n", ns, "web", "-c", "app", "--", "true"]),
            ("attach to", ["attach", "-n", ns, "web", "-c", "app"]),
            ("forward ports to", ["port-forward", "-n", ns, "pod/web", "18080:80"]),
        ];
        foreach (var (verb, args) in requests)
        {
            var run = await kubectl.RunAsync(args);

            Assert.True(run.ExitCode != 0, $"kubectl {args[0]} succeeded: {run.Stdout}");
            Assert.Contains($"pod \"web\" runs on simulated node \"sim-stream\" (label timonel.dev/simulated=true): it has no containers to {verb}", run.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(seen, sim.Cluster.RefusedKubeletDials.Count);
    }
}
