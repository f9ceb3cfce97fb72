using System.Diagnostics;
using k8s;
using k8s.Models;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Timonel.Kubelet.Tests;

/// <summary>
/// The kubelet's events as a user meets them — `kubectl describe pod` and `kubectl get events`
/// (kubectl 1.33) — for real pods on a real node, with upstream's texts and aggregation.
/// </summary>
public sealed class KubectlEventsTests : IClassFixture<StreamingFixture>
{
    private readonly StreamingFixture _f;
    private readonly ITestOutputHelper _output;

    public KubectlEventsTests(StreamingFixture fixture, ITestOutputHelper output)
    {
        _f = fixture;
        _output = output;
    }

    [RootFact]
    public async Task DescribePod_PinnedImageUnderAlways_PulledCreatedStartedWithoutPull()
    {
        // Always, yet no pull: the image was imported from DATA_DIR/agent/images, so it is pinned.
        var pod = await _f.CreatePodAsync(Pod("describe", "Always"));
        await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running");
        var ns = pod.Metadata.NamespaceProperty;
        var kubectl = _f.Kubectl();

        var describe = await UntilAsync(() => kubectl.RunAsync("describe", "pod", "-n", ns, "describe"), r => r.Stdout.Contains("Started container main", StringComparison.Ordinal));
        var events = await kubectl.RunAsync("get", "events", "-n", ns);

        var lines = describe.Stdout[describe.Stdout.IndexOf("Events:", StringComparison.Ordinal)..].Split('\n');
        AssertLine(lines, "Normal", "Pulled", "kubelet", $"Container image \"{StreamingFixture.BusyboxImage}\" already present on machine");
        AssertLine(lines, "Normal", "Created", "kubelet", "Created container: main");
        AssertLine(lines, "Normal", "Started", "kubelet", "Started container main");
        Assert.DoesNotContain("Pulling", describe.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, events.ExitCode);

        // The node's own events, from the agent's start.
        var nodeEvents = (await _f.Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Kind == "Node" && e.InvolvedObject.Name == _f.Options.NodeName).ToList();
        Assert.Contains(nodeEvents, e => e.Reason == "Starting" && e.Message == "Starting kubelet.");
        Assert.Contains(nodeEvents, e => e.Reason == "NodeReady" && e.Message == $"Node {_f.Options.NodeName} status is now: NodeReady");
        Assert.Contains(events.Stdout.Split('\n'), l => l.Contains("Normal", StringComparison.Ordinal) && l.Contains("Started", StringComparison.Ordinal) && l.Contains("pod/describe", StringComparison.Ordinal) && l.Contains("Started container main", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task DescribePod_LivenessProbeFails_UnhealthyAggregatedAndKilling()
    {
        var spec = Pod("liveness", "IfNotPresent");
        spec.Spec.Containers[0].LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/healthy"] }, PeriodSeconds = 1, FailureThreshold = 2 };
        var pod = await _f.CreatePodAsync(spec);
        var ns = pod.Metadata.NamespaceProperty;
        var kubectl = _f.Kubectl();

        var describe = await UntilAsync(() => kubectl.RunAsync("describe", "pod", "-n", ns, "liveness"), r => r.Stdout.Contains("failed liveness probe", StringComparison.Ordinal), TimeSpan.FromSeconds(45));
        var events = await kubectl.RunAsync("get", "events", "-n", ns, "--field-selector", "reason=Unhealthy");
        _output.WriteLine(describe.Stdout);
        _output.WriteLine(events.Stdout);

        var lines = describe.Stdout[describe.Stdout.IndexOf("Events:", StringComparison.Ordinal)..].Split('\n');
        var message = "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory";
        AssertLine(lines, "Warning", "Unhealthy", "kubelet", message);
        AssertLine(lines, "Normal", "Killing", "kubelet", "Container main failed liveness probe, will be restarted");

        // Repeats are one Event whose count grows, which describe shows as "(xN over ...)".
        Assert.Contains(lines, l => l.Contains("Unhealthy", StringComparison.Ordinal) && l.Contains("(x", StringComparison.Ordinal));
        var unhealthy = (await _f.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=Unhealthy")).Items;
        var single = Assert.Single(unhealthy);
        Assert.True(single.Count >= 2, $"count {single.Count}");
        Assert.Equal(("kubelet", _f.Options.NodeName, "spec.containers{main}"), (single.Source.Component, single.Source.Host, single.InvolvedObject.FieldPath));
        Assert.Equal(1, events.Stdout.Split('\n').Count(l => l.Contains(message, StringComparison.Ordinal)));
    }

    [RootFact]
    public async Task Pod_UnpinnedImageUnreachableRegistry_ErrImagePullFastWithEvents()
    {
        // The machine has no route off-host: the pull must fail at once, not hang on the network.
        var image = "docker.io/library/busybox:timonel-absent";
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => ((IContainerRuntime)_f.Agent.Cri).PullImageAsync(image, null, CancellationToken.None));
        var pullTime = watch.Elapsed;
        _output.WriteLine($"failed pull of {image}: {pullTime.TotalMilliseconds:F0} ms: {error.Status.Detail}");

        var spec = Pod("nopull", "Always");
        spec.Spec.Containers[0].Image = image;
        var pod = await _f.CreatePodAsync(spec);
        await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason is "ErrImagePull" or "ImagePullBackOff", "ErrImagePull");
        var describe = await UntilAsync(() => _f.Kubectl().RunAsync("describe", "pod", "-n", pod.Metadata.NamespaceProperty, "nopull"), r => r.Stdout.Contains("Error: ErrImagePull", StringComparison.Ordinal));

        Assert.True(pullTime < TimeSpan.FromSeconds(5), $"a failed pull took {pullTime.TotalSeconds:F1} s ({error.Status.Detail})");
        var lines = describe.Stdout[describe.Stdout.IndexOf("Events:", StringComparison.Ordinal)..].Split('\n');
        AssertLine(lines, "Normal", "Pulling", "kubelet", $"Pulling image \"{image}\"");
        AssertLine(lines, "Warning", "Failed", "kubelet", $"Failed to pull image \"{image}\": rpc error: code = ");
        AssertLine(lines, "Warning", "Failed", "kubelet", "Error: ErrImagePull");
    }

    private static void AssertLine(string[] lines, string type, string reason, string from, string message) =>
        Assert.True(
            lines.Any(l =>
            {
                var words = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return words.Length > 3 && words[0] == type && words[1] == reason && words.Contains(from) && l.Contains(message, StringComparison.Ordinal);
            }),
            $"no event line \"{type} {reason} ... {from} {message}\" in:\n{string.Join('\n', lines)}");

    /// <summary>Runs kubectl until its output satisfies the condition (events are written in the background).</summary>
    private static async Task<Timonel.Testing.KubectlRun> UntilAsync(Func<Task<Timonel.Testing.KubectlRun>> run, Func<Timonel.Testing.KubectlRun, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var result = await run();
            if (done(result) || DateTime.UtcNow > deadline)
            {
                Assert.True(done(result), $"kubectl output never matched:\n{result.Stdout}\n{result.Stderr}");
                return result;
            }

            await Task.Delay(500);
        }
    }

    private static V1Pod Pod(string name, string pullPolicy) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            TerminationGracePeriodSeconds = 1,
            Containers = [new V1Container { Name = "main", Image = StreamingFixture.BusyboxImage, ImagePullPolicy = pullPolicy, Command = ["sh", "-c", "exec sleep 1000"] }],
        },
    };
}
