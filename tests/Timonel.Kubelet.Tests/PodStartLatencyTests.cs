using System.Diagnostics;
using k8s;
using k8s.Models;
using Timonel.Kubelet.Tests.Infrastructure;
using Xunit.Abstractions;
using static Timonel.Kubelet.Tests.AgentPodTests;

namespace Timonel.Kubelet.Tests;

/// <summary>Pod start latency (create → Running, image present), printed as figures; asserts only that every pod starts.</summary>
public sealed class PodStartLatencyTests : IClassFixture<AgentFixture>
{
    private readonly AgentFixture _f;
    private readonly ITestOutputHelper _output;

    public PodStartLatencyTests(AgentFixture fixture, ITestOutputHelper output)
    {
        _f = fixture;
        _output = output;
    }

    [RootFact]
    public async Task Pods_CreatedOneByOne_AllReachRunning()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("TIMONEL_LATENCY_PODS"), out var n) ? n : 20;
        var ns = await _f.Cluster.CreateNamespaceAsync("latency");
        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var pod = Pod($"p{i}", Container("app", "exec sleep 1000"));
            pod.Metadata.NamespaceProperty = ns;
            pod.Spec.NodeName = _f.Options.NodeName;
            var started = Stopwatch.GetTimestamp();
            await _f.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
            while (true)
            {
                var current = await _f.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
                if (current.Status?.Phase == "Running")
                {
                    break;
                }

                Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30), $"pod p{i} did not start within 30 s");
                await Task.Delay(5);
            }

            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        latencies.Sort();
        var agentRss = Process.GetCurrentProcess().WorkingSet64 / (1024 * 1024);
        var containerdRss = File.ReadLines($"/proc/{_f.Agent.ContainerdPid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        _output.WriteLine($"pod start latency over {count} pods: p50 {latencies[count / 2]:F0} ms, p99 {latencies[(int)Math.Ceiling(count * 0.99) - 1]:F0} ms, max {latencies[^1]:F0} ms");
        _output.WriteLine($"test process (API server + agent) RSS {agentRss} MB; containerd {containerdRss}");
        Assert.Equal(count, latencies.Count);
    }
}
