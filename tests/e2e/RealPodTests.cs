using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// Real containers through the whole system: the control plane in its own network namespace and
/// one `timonel agent` node in another, driven by kubectl.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class RealPodTests : IClassFixture<SingleNodeCluster>
{
    private readonly SingleNodeCluster cluster;
    private readonly ITestOutputHelper output;

    public RealPodTests(SingleNodeCluster cluster, ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    [NodeFact]
    public async Task Deployment_BusyboxHttpdTwoReplicas_RunningWithPodIpsAndEachAnswersHttp()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("web");

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "deployment", "web", $"--image={AgentProcess.BusyboxImage}", "--replicas=2", "--", "httpd", "-f", "-p", "8080", "-h", "/"));

        var pods = await Eventually.WaitAsync(async _ =>
        {
            var current = await cluster.PodsAsync(ns, "app=web");
            return current.Count == 2 && current.Values.All(p => p.Phase == "Running" && p.Ip.Length > 0) ? current : null;
        }, TimeSpan.FromSeconds(60), $"2 web pods Running with pod IPs\n{cluster.Agents[0].LogTail()}");

        var podCidr = await cluster.Kubectl.JsonPathAsync("", "node/node-1", "{.spec.podCIDR}");
        var network = System.Net.IPNetwork.Parse(podCidr);
        Assert.Equal(2, pods.Values.Select(p => p.Ip).Distinct().Count());
        foreach (var (name, pod) in pods)
        {
            Assert.Equal("node-1", pod.Node);
            Assert.True(network.Contains(System.Net.IPAddress.Parse(pod.Ip)), $"pod IP {pod.Ip} outside the node's podCIDR {podCidr}");

            // From inside the node's namespace (the test made it): each pod serves its own /etc/hostname, its pod name.
            var body = await Eventually.WaitAsync(
                _ => MultiNodeCluster.HttpGetAsync(cluster.Agents[0].Host.NetnsPath, $"http://{pod.Ip}:8080/etc/hostname"),
                TimeSpan.FromSeconds(15),
                $"httpd of {name} answers on {pod.Ip}:8080");
            Assert.Equal(name, body.Trim());
        }

        ReportMemory();
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <summary>Prints the agent's and its containerd's resident memory with two pods running (a figure for docs/benchmarks.md).</summary>
    private void ReportMemory()
    {
        if (cluster.Agents[0].ProcessId is not { } pid)
        {
            return;
        }

        static string Rss(int id) => File.ReadLines($"/proc/{id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";
        var children = File.Exists($"/proc/{pid}/task/{pid}/children") ? File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        var containerd = children.Select(int.Parse).FirstOrDefault(c => File.ReadAllText($"/proc/{c}/comm").Trim() == "containerd");
        output.WriteLine($"agent RSS {Rss(pid)}; containerd RSS {(containerd > 0 ? Rss(containerd) : "?")} (2 pods running)");
    }
}
