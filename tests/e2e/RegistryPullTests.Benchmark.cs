using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Timonel.Api.Validation;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Kubelet.Images;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

public sealed partial class RegistryPullTests
{
    private const int BenchmarkRounds = 5;

    /// <summary>
    /// The pull figure of docs/benchmarks.md (issue 21): one ~50 MiB image (busybox plus 50 MiB of
    /// random bytes, which gzip cannot shrink) on the plain-HTTP loopback registry, pulled in
    /// alternating rounds by the kubelet (a pod with imagePullPolicy Always; the time is its Pulled
    /// event's own duration, the CRI pull from its turn to its end, unpacking included) and by
    /// `ctr -n k8s.io images pull` into the same containerd (the process's wall time, unpacking
    /// included). Between rounds every name of the image is removed with a synchronous garbage
    /// collection, and the test checks the layer's blob is gone, so each round downloads it all.
    /// Prints every round and the medians; asserts only that the runs happened as described.
    /// </summary>
    [RegistryBenchmarkFact]
    public async Task Benchmark_FiftyMegabyteImage_KubeletPullVersusCtrPull_MediansPrinted()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("pullbench");
        var repository = $"bench/big-{Guid.NewGuid().ToString("N")[..8]}";
        var (config, layer) = ImageBuilder.Busybox($"{repository}:1").AddFile("/pad", RandomNumberGenerator.GetBytes(50 * 1024 * 1024), 0b110_100_100).BuildConfigAndLayer();
        var layerDigest = RegistryPusher.Digest(RegistryPusher.Gzip(layer));
        var configDigest = RegistryPusher.Digest(config);
        var manifestDigest = await cluster.PlainHttp.PushAsync(repository, "1", config, layer);
        var image = $"{cluster.PlainHttp.Host}/{repository}:1";
        var kubelet = new List<double>();
        var ctr = new List<double>();
        for (var round = 0; round < BenchmarkRounds; round++)
        {
            foreach (var viaKubelet in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                await RemoveImageAsync(image, $"{cluster.PlainHttp.Host}/{repository}@{manifestDigest}", configDigest, layerDigest);
                if (viaKubelet)
                {
                    kubelet.Add(await KubeletPullSecondsAsync(ns, $"pull-{round}", image));
                }
                else
                {
                    var clock = Stopwatch.StartNew();
                    var pulled = await Ctr(TimeSpan.FromMinutes(5), "images", "pull", "--plain-http", image);
                    clock.Stop();
                    Assert.True(pulled.ExitCode == 0, pulled.ToString());
                    ctr.Add(clock.Elapsed.TotalSeconds);
                }
            }
        }

        output.WriteLine($"layer {layerDigest}, {layer.Length} bytes uncompressed; load {File.ReadAllText("/proc/loadavg").Trim()}");
        output.WriteLine($"kubelet (Pulled event's duration), s: {string.Join(" ", kubelet.Select(Seconds))}; median {Seconds(Median(kubelet))}");
        output.WriteLine($"ctr -n k8s.io images pull (wall), s: {string.Join(" ", ctr.Select(Seconds))}; median {Seconds(Median(ctr))}");
        output.WriteLine($"kubelet / ctr medians: {Median(kubelet) / Median(ctr):F3}");
        Assert.Equal(BenchmarkRounds, kubelet.Count);
        Assert.Equal(BenchmarkRounds, ctr.Count);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <summary>Runs a pod of the image (pull policy Always) until its Pulled event; returns the event's duration, then deletes the pod.</summary>
    private async Task<double> KubeletPullSecondsAsync(string ns, string pod, string image)
    {
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "run", pod, $"--image={image}", "--image-pull-policy=Always", "--restart=Never", "--", "true"));
        var pulled = await Eventually.WaitAsync(async _ =>
        {
            var text = (await cluster.Kubectl.RunAsync("-n", ns, "get", "events", "--field-selector", $"involvedObject.name={pod},reason=Pulled", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")).Stdout;
            return text.Contains("Successfully pulled", StringComparison.Ordinal) ? text : null;
        }, TimeSpan.FromMinutes(5), $"the Pulled event of {pod}");
        var took = Regex.Match(pulled, @"Successfully pulled image ""[^""]+"" in (\S+) \(");
        Assert.True(took.Success && GoDuration.TryParse(took.Groups[1].Value, out _), pulled);
        GoDuration.TryParse(took.Groups[1].Value, out var duration);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "delete", "pod", pod, "--grace-period=0", "--force", "--wait=true"));
        // Its container holds the unpacked snapshot: a next pull would find it and skip unpacking.
        await Eventually.WaitAsync(async _ => !await ContainerOfImageExistsAsync(image), TimeSpan.FromMinutes(1), $"{pod}'s container gone");
        return duration.TotalSeconds;
    }

    private async Task<bool> ContainerOfImageExistsAsync(string image) =>
        (await Ctr(TimeSpan.FromSeconds(30), "containers", "ls")).Stdout.Contains(image, StringComparison.Ordinal);

    /// <summary>Removes every name CRI or ctr gave the image (tag, digest, id) with a synchronous GC; asserts the layer's blob is gone.</summary>
    private async Task RemoveImageAsync(string tagged, string byDigest, string configDigest, string layerDigest)
    {
        await Ctr(TimeSpan.FromMinutes(1), "images", "rm", "--sync", tagged, byDigest, configDigest);
        await Eventually.WaitAsync(async _ => !(await Ctr(TimeSpan.FromSeconds(30), "content", "ls", "-q")).Stdout.Contains(layerDigest, StringComparison.Ordinal), TimeSpan.FromMinutes(1), $"layer {layerDigest} removed from the content store");
    }

    private Task<HostCommandResult> Ctr(TimeSpan timeout, params string[] args) =>
        HostCommand.RunAsync(["nsenter", $"--net={cluster.NodeNetnsPath}", "--", "ctr", "--address", cluster.Agents[0].ContainerdSocket, "-n", "k8s.io", .. args], timeout);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Seconds(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
