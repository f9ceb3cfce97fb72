using Timonel.E2E.Tests.Infrastructure;
using Timonel.Kubelet.Images;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// Images pulled from real registries (Debian's docker-registry on the node's loopback, TLS with a
/// test CA, htpasswd auth) by the real kubelet path: imagePullSecrets made with
/// `kubectl create secret docker-registry`, a ServiceAccount's pull secrets, registries.yaml's
/// mirror, CA and credentials; and the failures a user meets, with upstream's reasons.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class RegistryPullTests : IClassFixture<RegistryCluster>
{
    private static readonly TimeSpan PodTimeout = TimeSpan.FromSeconds(90);
    private readonly RegistryCluster cluster;
    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public RegistryPullTests(RegistryCluster cluster, Xunit.Abstractions.ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    [RegistryFact]
    public async Task PullSecret_ByTagAndByDigest_PodsRunAndEventsSayPulledWithSize()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("pull");
        await CreatePullSecretAsync(ns, "regcred", RegistryCluster.Alice.Password);
        var byTag = $"{cluster.Secured.Host}/{RegistryCluster.Repository}:{RegistryCluster.Tag}";
        var byDigest = $"{cluster.Secured.Host}/{RegistryCluster.Repository}@{cluster.BusyboxDigest}";
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "by-tag", byTag, "regcred")));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "by-digest", byDigest, "regcred")));

        await WaitForPhaseAsync(ns, "app=by-tag", "Running");
        await WaitForPhaseAsync(ns, "app=by-digest", "Running");

        // The digest the pod reports is the manifest pushed, whichever way the pod named it.
        var imageId = await cluster.Kubectl.JsonPathAsync(ns, "pods", "{.items[?(@.metadata.labels.app==\"by-tag\")].status.containerStatuses[0].imageID}");
        Assert.EndsWith(cluster.BusyboxDigest, imageId, StringComparison.Ordinal);
        var describe = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "describe", "pods", "-l", "app=by-digest"));
        Assert.Matches($@"Pulled\s+\S+\s+kubelet\s+Successfully pulled image ""{System.Text.RegularExpressions.Regex.Escape(byDigest)}"" in \S+ \(\S+ including waiting\)\. Image size: [1-9][0-9]* bytes\.", describe.Stdout);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task NoSecret_ErrImagePullThenImagePullBackOffWith401()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("badpw");
        var image = $"{cluster.Secured.Host}/{RegistryCluster.Repository}:{RegistryCluster.Tag}";

        // Without credentials the registry refuses: the success above is the secret's doing.
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "anonymous", image, pullSecret: null)));
        var anonymous = await WaitForWaitingAsync(ns, "app=anonymous", "ErrImagePull", "ImagePullBackOff");
        Assert.Contains("401 Unauthorized", anonymous, StringComparison.Ordinal);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <remarks>
    /// ErrImagePull is the container's waiting reason only from the failed pull's status write until
    /// the kubelet's next sync (which it starts when that write comes back through its watch), so a
    /// poll rarely sees it: the test once waited for it first and timed out with the pod in
    /// ImagePullBackOff (the log tail it printed was the one of when the wait began, which read as
    /// if the pod never had a sandbox). Both reasons are asserted through their events instead.
    /// </remarks>
    [RegistryFact]
    public async Task WrongPassword_ErrImagePullThenImagePullBackOffWith401()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("badpw");
        var image = $"{cluster.Secured.Host}/{RegistryCluster.Repository}:{RegistryCluster.Tag}";
        await CreatePullSecretAsync(ns, "wrong", "not-the-password");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "wrong", image, "wrong")));
        var message = await WaitForWaitingAsync(ns, "app=wrong", "ErrImagePull", "ImagePullBackOff");
        output.WriteLine($"first waiting message seen: {message}");
        await WaitForWaitingAsync(ns, "app=wrong", "ImagePullBackOff");

        var events = await Eventually.WaitAsync(async _ =>
        {
            var text = (await cluster.Kubectl.RunAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=Pod", "-o", "jsonpath={range .items[*]}{.involvedObject.name} {.reason}: {.message}{\"\\n\"}{end}")).Stdout;
            return text.Contains("Back-off pulling image", StringComparison.Ordinal) ? text : null;
        }, PodTimeout, "a BackOff event");
        output.WriteLine(events);
        Assert.Matches($@"wrong-\S+ Failed: Failed to pull image ""{System.Text.RegularExpressions.Regex.Escape(image)}"": rpc error: code = Unknown desc = .*401 Unauthorized", events);
        Assert.Contains("Failed: Error: ErrImagePull", events, StringComparison.Ordinal);
        Assert.Contains("Failed: Error: ImagePullBackOff", events, StringComparison.Ordinal);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task ServiceAccountPullSecret_ThroughTheMirror_PodRuns()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("mirror");
        // Keyed by the name the pod's image uses, as upstream's keyring matches; sent on to the mirror.
        await CreatePullSecretAsync(ns, "regcred", RegistryCluster.Alice.Password, RegistryCluster.MirrorName);
        await Eventually.WaitAsync(async _ => (await cluster.Kubectl.RunAsync("-n", ns, "get", "serviceaccount", "default")).ExitCode == 0, TimeSpan.FromSeconds(30), "the default ServiceAccount");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "patch", "serviceaccount", "default", "-p", """{"imagePullSecrets":[{"name":"regcred"}]}"""));

        // mirror.test resolves nowhere: only registries.yaml's mirror endpoint can serve it.
        var image = $"{RegistryCluster.MirrorName}/{RegistryCluster.Repository}:{RegistryCluster.Tag}";
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "mirrored", image, pullSecret: null)));

        await WaitForPhaseAsync(ns, "app=mirrored", "Running");
        Assert.Equal("regcred", await cluster.Kubectl.JsonPathAsync(ns, "pods", "{.items[0].spec.imagePullSecrets[0].name}"));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task RegistriesYamlCredentials_PodWithoutSecretRuns()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("nodeauth");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "nodeauth", $"{cluster.NodeCredentials.Host}/{RegistryCluster.Repository}:{RegistryCluster.Tag}", pullSecret: null)));

        await WaitForPhaseAsync(ns, "app=nodeauth", "Running");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task ReadmeExample_PushBusyboxToPlainHttpRegistry_DeploymentPullsThroughItsMirrorEntry()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("readme");
        var image = $"{cluster.PlainHttp.Host}/demo/busybox:1";

        // The README's commands: `timonel images push-busybox REF --plain-http` (run where the registry listens).
        var push = await HostCommand.RunAsync(["nsenter", $"--net={cluster.NodeNetnsPath}", "--", RepoRoot.Launcher, "images", "push-busybox", image, "--plain-http"], TimeSpan.FromMinutes(3));
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.StartsWith($"pushed {image} (sha256:", push.Stdout, StringComparison.Ordinal);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "deployment", "fromreg", $"--image={image}", "--", "httpd", "-f", "-p", "8080"));

        await WaitForPhaseAsync(ns, "app=fromreg", "Running");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <summary>
    /// A ~50 MiB image pulled from the loopback registry by the kubelet (its Pulled event's
    /// duration) and another of the same size by `ctr images pull` into the same containerd, one
    /// run each, times printed. What is asserted is that both pulls work; the figure of
    /// docs/benchmarks.md comes from the opt-in Benchmark_FiftyMegabyteImage test (several runs).
    /// </summary>
    [RegistryFact]
    public async Task BigImage_KubeletPullAndCtrPull_BothSucceedAndTimesArePrinted()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("big");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var viaKubelet = $"{cluster.PlainHttp.Host}/bench/kubelet-{suffix}:1";
        var viaCtr = $"{cluster.PlainHttp.Host}/bench/ctr-{suffix}:1";
        foreach (var image in new[] { viaKubelet, viaCtr })
        {
            var push = await HostCommand.RunAsync(["nsenter", $"--net={cluster.NodeNetnsPath}", "--", RepoRoot.Launcher, "images", "push-busybox", image, "--plain-http", "--pad-mb", "50"], TimeSpan.FromMinutes(5));
            Assert.True(push.ExitCode == 0, push.ToString());
        }

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "deployment", "big", $"--image={viaKubelet}", "--", "sleep", "3600"));
        await WaitForPhaseAsync(ns, "app=big", "Running");
        var pulled = (await PodEventsAsync(ns)).Split('\n').Single(l => l.StartsWith("Pulled: Successfully pulled image", StringComparison.Ordinal));
        var size = long.Parse(System.Text.RegularExpressions.Regex.Match(pulled, @"Image size: ([0-9]+) bytes").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(size > 50L * 1024 * 1024, pulled);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ctr = await HostCommand.RunAsync(["nsenter", $"--net={cluster.NodeNetnsPath}", "--", "ctr", "--address", cluster.Agents[0].ContainerdSocket, "-n", "k8s.io", "images", "pull", "--plain-http", viaCtr], TimeSpan.FromMinutes(5));
        clock.Stop();
        Assert.True(ctr.ExitCode == 0, ctr.ToString());

        output.WriteLine($"kubelet: {pulled}");
        output.WriteLine($"ctr -n k8s.io images pull: {clock.Elapsed.TotalSeconds:F2}s (process start included)");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task UnknownCa_ErrImagePullNamingTheCertificateError()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("x509");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "untrusted", $"{cluster.Untrusted.Host}/{RegistryCluster.Repository}:{RegistryCluster.Tag}", pullSecret: null)));

        var message = await WaitForWaitingAsync(ns, "app=untrusted", "ErrImagePull", "ImagePullBackOff");

        Assert.Contains("x509: certificate signed by unknown authority", message + await PodEventsAsync(ns), StringComparison.Ordinal);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task ManifestForAnotherArchitecture_ErrImagePullSayingNoMatch()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("arch");
        await CreatePullSecretAsync(ns, "regcred", RegistryCluster.Alice.Password);
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "arm", $"{cluster.Secured.Host}/e2e/armonly:{RegistryCluster.Tag}", "regcred")));

        await WaitForWaitingAsync(ns, "app=arm", "ErrImagePull", "ImagePullBackOff");

        // Events are posted apart from the pod's status: wait for the Failed one.
        await Eventually.WaitAsync(async _ => (await PodEventsAsync(ns)).Contains("no match for platform in manifest", StringComparison.Ordinal), PodTimeout, "a Failed event naming the platform mismatch");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <summary>
    /// A layer that stops arriving mid-way: the proxy sends its headers and first 3 MiB, then holds
    /// the connection, and containerd 1.6 waits on that read for ever. The agent cancels the pull
    /// after --image-pull-progress-deadline (10 s here) without a byte, says so naming the layer,
    /// and backs off; with serialized pulls (the default) another pod's pull, queued behind the
    /// stalled one, then runs. Once the registry answers again the next attempt pulls: nothing the
    /// cancelled pull left in containerd holds it back.
    /// </summary>
    [RegistryFact]
    public async Task StalledLayer_CancelledAtProgressDeadline_BackOffNamesLayer_OtherPullGoesOn_ThenPullsOnceFixed()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("stall");
        await CreatePullSecretAsync(ns, "regcred", RegistryCluster.Alice.Password);
        var repository = $"stall/busybox-{Guid.NewGuid().ToString("N")[..8]}";
        var (config, layer) = ImageBuilder.Busybox($"{repository}:1").AddFile("/pad", System.Security.Cryptography.RandomNumberGenerator.GetBytes(8 * 1024 * 1024), 0b110_100_100).BuildConfigAndLayer();
        var gzipped = RegistryPusher.Gzip(layer);
        var layerDigest = RegistryPusher.Digest(gzipped);
        await cluster.PlainHttp.PushAsync(repository, "1", config, layer);
        var proxy = cluster.StallingProxy;
        proxy.Stalling = true;
        var stalledImage = $"{proxy.Host}/{repository}:1";

        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "stalled", stalledImage, pullSecret: null)));
        await Eventually.WaitAsync(_ => Task.FromResult(proxy.StalledAnswers > 0), PodTimeout, "the proxy holding the layer's answer");

        // Queued behind the stalled pull (one pull at a time): it can only run once that one is cancelled.
        var good = $"{cluster.Secured.Host}/{RegistryCluster.Repository}:{RegistryCluster.Tag}";
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "good", good, "regcred")));

        var failed = await Eventually.WaitAsync(async _ =>
        {
            var text = await PodEventsAsync(ns);
            return text.Contains("no progress for", StringComparison.Ordinal) ? text : null;
        }, PodTimeout, "a Failed event for the stalled pull");
        output.WriteLine(failed);
        Assert.Matches(
            $@"Failed: Failed to pull image ""{System.Text.RegularExpressions.Regex.Escape(stalledImage)}"": pull cancelled: no progress for {RegistryCluster.PullProgressDeadline} \(--image-pull-progress-deadline\): layer {layerDigest} stuck at [0-9]+ of {gzipped.Length} bytes",
            failed);
        var backingOff = await WaitForWaitingAsync(ns, "app=stalled", "ImagePullBackOff");
        Assert.Contains($"ErrImagePull: pull cancelled: no progress for {RegistryCluster.PullProgressDeadline}", backingOff, StringComparison.Ordinal);
        Assert.Contains(layerDigest, backingOff, StringComparison.Ordinal);

        // The node's other pull went on while the stalled image backs off.
        await WaitForPhaseAsync(ns, "app=good", "Running");
        Assert.NotEqual("Running", (await cluster.PodsAsync(ns, "app=stalled")).Values.Single().Phase);

        // The registry answers again: the next attempt (after its back-off) pulls and the pod runs.
        proxy.Stalling = false;
        await WaitForPhaseAsync(ns, "app=stalled", "Running", TimeSpan.FromMinutes(3));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task UnknownRegistry_ErrImagePullWithTheRuntimesReason_NodeUnharmed()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("broken");
        await CreatePullSecretAsync(ns, "regcred", RegistryCluster.Alice.Password);
        // Nothing listens on this port of the node's loopback.
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "nowhere", "127.0.0.1:5999/e2e/busybox:1", pullSecret: null)));

        var nowhere = await WaitForWaitingAsync(ns, "app=nowhere", "ErrImagePull", "ImagePullBackOff");

        var events = await Eventually.WaitAsync(async _ =>
        {
            var text = await PodEventsAsync(ns);
            return text.Contains("Failed to pull image \"127.0.0.1:5999/e2e/busybox:1\"", StringComparison.Ordinal) ? text : null;
        }, PodTimeout, "a Failed event for the unknown registry");
        Assert.Contains("connect: connection refused", nowhere + events, StringComparison.Ordinal);

        // The node is unharmed: a good image still runs next to the broken one.
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "good", $"{cluster.Secured.Host}/{RegistryCluster.Repository}:{RegistryCluster.Tag}", "regcred")));
        await WaitForPhaseAsync(ns, "app=good", "Running");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task BadRegistriesFile_AgentRefusesToStartNamingTheEntry()
    {
        var dir = Directory.CreateTempSubdirectory("timonel-badregistries-").FullName;
        try
        {
            var file = Path.Combine(dir, "registries.yaml");
            await File.WriteAllTextAsync(file, "configs:\n  \"127.0.0.1:5443\":\n    tls:\n      ca_file: /nonexistent/ca.pem\n");

            // Refused before it dials anything: the server URL is never used.
            var agent = await HostCommand.RunAsync(["nsenter", $"--net={cluster.NodeNetnsPath}", "--", RepoRoot.Launcher, "agent", "--server", "https://127.0.0.1:1", "--token", "unused", "--data-dir", Path.Combine(dir, "data"), "--node-name", "bad-registries", "--registries", file], TimeSpan.FromMinutes(2));

            Assert.Equal(2, agent.ExitCode);
            Assert.Contains($"timonel agent: registries file {file}: configs.127.0.0.1:5443.tls:", agent.Stderr, StringComparison.Ordinal);
            Assert.Contains("/nonexistent/ca.pem", agent.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task CreatePullSecretAsync(string ns, string name, string password, string? server = null) =>
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "secret", "docker-registry", name,
            $"--docker-server={server ?? cluster.Secured.Host}", $"--docker-username={RegistryCluster.Alice.User}", $"--docker-password={password}"));

    private static string Deployment(string ns, string name, string image, string? pullSecret) =>
        Manifests.RegistryDeployment(ns, name, image, pullSecret, pullPolicy: "Always");

    private async Task WaitForPhaseAsync(string ns, string selector, string phase, TimeSpan? timeout = null) =>
        await Eventually.WaitAsync(async _ =>
        {
            var pods = await cluster.PodsAsync(ns, selector);
            return pods.Count == 1 && pods.Values.All(p => p.Phase == phase);
        }, timeout ?? PodTimeout, $"{selector} in {ns} {phase}\n{cluster.Agents[0].LogTail()}\n{cluster.Secured.LogTail()}");

    /// <summary>Waits until the pod's container waits with one of <paramref name="reasons"/>; returns the waiting message.</summary>
    private async Task<string> WaitForWaitingAsync(string ns, string selector, params string[] reasons)
    {
        try
        {
            return await Eventually.WaitAsync(async _ =>
            {
                var state = (await cluster.Kubectl.RunAsync("-n", ns, "get", "pods", "-l", selector, "-o", "jsonpath={.items[0].status.containerStatuses[0].state.waiting.reason}|{.items[0].status.containerStatuses[0].state.waiting.message}")).Stdout;
                var bar = state.IndexOf('|', StringComparison.Ordinal);
                return bar > 0 && reasons.Contains(state[..bar]) ? state[(bar + 1)..] : null;
            }, PodTimeout, $"{selector} in {ns} waiting with {string.Join(" or ", reasons)}");
        }
        catch (TimeoutException e)
        {
            // What the pod and the node show now, at the timeout (not when the wait began).
            var pods = await cluster.Kubectl.RunAsync("-n", ns, "get", "pods", "-o", "wide");
            var events = await PodEventsAsync(ns);
            throw new TimeoutException($"{e.Message}\n{pods.Stdout}\n{events}\n{cluster.Agents[0].LogTail()}", e);
        }
    }

    private async Task<string> PodEventsAsync(string ns) =>
        (await cluster.Kubectl.RunAsync("-n", ns, "get", "events", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}")).Stdout;
}
