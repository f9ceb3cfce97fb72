using System.Diagnostics;
using System.Net;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// Simulated nodes created with <c>./timonel sim nodes</c> and driven by the server's node
/// simulator, seen through the real kubectl: pods bound to them run, and a node whose heartbeat
/// stops goes Unknown and is tainted by the node lifecycle controller.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class SimulatedNodeTests : IAsyncLifetime
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);

    private TimonelServer? server;
    private Kubectl kubectl = null!;

    public async Task InitializeAsync()
    {
        // A short grace period so a silent node is noticed in seconds, not 40.
        server = await TimonelServer.StartAsync(["--node-monitor-grace-period", "5"], CancellationToken.None);
        kubectl = new Kubectl(KubectlBinary.Latest, server.KubeconfigPath, Path.Combine(server.RootDir, "home"));
        await RunTimonelAsync("sim", "nodes", "--count", "2", "--kubeconfig", server.KubeconfigPath);
        KubectlAssert.Succeeds(await kubectl.RunAsync(["wait", "--for=condition=Ready", "node/sim-0", "node/sim-1", "--timeout=90s"], null, timeout: WaitLimit));
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task KubectlRun_PodBoundToSimulatedNode_BecomesReadyWithIpFromNodeSubnet()
    {
        await kubectl.CreateNamespaceAsync("sim-run");
        KubectlAssert.Succeeds(await kubectl.RunAsync(
            "-n", "sim-run", "run", "web", "--image=nginx", "--restart=Never",
            "--overrides={\"apiVersion\":\"v1\",\"spec\":{\"nodeName\":\"sim-0\"}}"));

        KubectlAssert.Succeeds(await kubectl.RunAsync(["-n", "sim-run", "wait", "--for=condition=Ready", "pod/web", "--timeout=90s"], null, timeout: WaitLimit));

        var phase = await kubectl.JsonPathAsync("sim-run", "pod/web", "{.status.phase}");
        var podIp = await kubectl.JsonPathAsync("sim-run", "pod/web", "{.status.podIP}");
        var cidr = KubectlAssert.Succeeds(await kubectl.RunAsync("get", "node", "sim-0", "-o", "jsonpath={.spec.podCIDR}")).Stdout;
        Assert.Equal("Running", phase);
        Assert.True(IPNetwork.Parse(cidr).Contains(IPAddress.Parse(podIp)), $"pod IP {podIp} is not in the node's podCIDR {cidr}");
        var wide = KubectlAssert.Succeeds(await kubectl.RunAsync("-n", "sim-run", "get", "pod", "web", "-o", "wide")).Stdout;
        Assert.Contains("sim-0", wide, StringComparison.Ordinal);
        Assert.Contains("Running", wide, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnnotateHeartbeatStopped_Node_GoesUnknownAndTaintedUnreachable()
    {
        KubectlAssert.Succeeds(await kubectl.RunAsync("annotate", "node", "sim-1", "timonel.dev/sim-heartbeat=stopped"));

        KubectlAssert.Succeeds(await kubectl.RunAsync(
            ["wait", "--for=jsonpath={.status.conditions[?(@.type==\"Ready\")].status}=Unknown", "node/sim-1", "--timeout=90s"], null, timeout: WaitLimit));
        await Eventually.WaitAsync(
            async _ => KubectlAssert.Succeeds(await kubectl.RunAsync("get", "node", "sim-1", "-o", "jsonpath={.spec.taints[*].key}")).Stdout.Contains("node.kubernetes.io/unreachable", StringComparison.Ordinal),
            WaitLimit,
            "unreachable taint on sim-1");

        var nodes = KubectlAssert.Succeeds(await kubectl.RunAsync("get", "nodes")).Stdout;
        Assert.Matches(@"sim-1\s+NotReady", nodes);
        Assert.Matches(@"sim-0\s+Ready", nodes);
    }

    [Fact]
    public async Task KubectlPatch_GrowBoundClaims_RefusedOnTheDefaultClassAndWaitingForAResizerWhereAllowed()
    {
        await kubectl.CreateNamespaceAsync("grow");
        KubectlAssert.Succeeds(await kubectl.ApplyAsync("""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: growable}
            provisioner: timonel.dev/local-path
            volumeBindingMode: WaitForFirstConsumer
            allowVolumeExpansion: true
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: fixed, namespace: grow}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: elastic, namespace: grow}
            spec: {accessModes: [ReadWriteOnce], storageClassName: growable, resources: {requests: {storage: 1Gi}}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: db, namespace: grow}
            spec:
              containers: [{name: db, image: postgres, volumeMounts: [{name: a, mountPath: /a}, {name: b, mountPath: /b}]}]
              volumes:
              - {name: a, persistentVolumeClaim: {claimName: fixed}}
              - {name: b, persistentVolumeClaim: {claimName: elastic}}
            """));
        await Eventually.WaitAsync(
            async _ => await kubectl.JsonPathAsync("grow", "pvc", "{.items[*].status.phase}") == "Bound Bound",
            WaitLimit,
            "both claims bound");
        const string Grow = "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"2Gi\"}}}}";

        KubectlAssert.Fails(
            await kubectl.RunAsync("-n", "grow", "patch", "pvc", "fixed", "-p", Grow),
            "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
        Assert.Equal("1Gi", await kubectl.JsonPathAsync("grow", "pvc/fixed", "{.spec.resources.requests.storage}"));

        KubectlAssert.Succeeds(await kubectl.RunAsync("-n", "grow", "patch", "pvc", "elastic", "-p", Grow));
        await Eventually.WaitAsync(
            async _ => (await kubectl.RunAsync("-n", "grow", "get", "events", "--field-selector", "involvedObject.name=elastic,reason=ExternalExpanding", "-o", "jsonpath={.items[*].message}")).Stdout
                .Contains("waiting for an external controller to expand this PVC", StringComparison.Ordinal),
            WaitLimit,
            "the expander says the claim waits for an external resizer");
        Assert.Equal("2Gi", await kubectl.JsonPathAsync("grow", "pvc/elastic", "{.spec.resources.requests.storage}"));
    }

    [Fact]
    public async Task KubectlDrain_NodeWithThreeReplicasUnderMinAvailableTwo_EvictsOneAtATimeAndFinishes()
    {
        await kubectl.CreateNamespaceAsync("drain");
        // Every replica on sim-0 first: sim-1 is cordoned while they are placed.
        KubectlAssert.Succeeds(await kubectl.RunAsync("cordon", "sim-1"));
        KubectlAssert.Succeeds(await kubectl.ApplyAsync("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: drain}
            spec:
              replicas: 3
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: nginx}]}
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: web, namespace: drain}
            spec:
              minAvailable: 2
              selector: {matchLabels: {app: web}}
            """));
        KubectlAssert.Succeeds(await kubectl.RunAsync(["-n", "drain", "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: WaitLimit));
        Assert.Equal("sim-0 sim-0 sim-0", await kubectl.JsonPathAsync("drain", "pods", "{.items[*].spec.nodeName}"));
        await Eventually.WaitAsync(
            async _ => await kubectl.JsonPathAsync("drain", "pdb/web", "{.status.disruptionsAllowed}") == "1",
            WaitLimit,
            "the budget allows one disruption");
        KubectlAssert.Succeeds(await kubectl.RunAsync("uncordon", "sim-1"));

        var drain = KubectlAssert.Succeeds(await kubectl.RunAsync(["drain", "sim-0", "--ignore-daemonsets", "--timeout=150s"], null, timeout: TimeSpan.FromSeconds(170)));

        // The second eviction waited for the first replacement: the budget refused it at least once.
        Assert.Contains("disruption budget", drain.Stderr + drain.Stdout, StringComparison.Ordinal);
        Assert.Contains("node/sim-0 drained", drain.Stdout, StringComparison.Ordinal);
        await Eventually.WaitAsync(
            async _ => await kubectl.JsonPathAsync("drain", "pods", "{.items[*].spec.nodeName}") == "sim-1 sim-1 sim-1",
            WaitLimit,
            "the three replicas on sim-1, the evicted ones gone");
        KubectlAssert.Succeeds(await kubectl.RunAsync(["-n", "drain", "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: WaitLimit));
    }

    private async Task RunTimonelAsync(params string[] args)
    {
        var start = new ProcessStartInfo(RepoRoot.Launcher) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ./timonel");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(WaitLimit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        Assert.True(process.ExitCode == 0, $"./timonel {string.Join(' ', args)} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}\n{server?.LogTail()}");
    }
}
