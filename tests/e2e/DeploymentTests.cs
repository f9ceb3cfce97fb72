using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>Three simulated nodes; node failure detected after 5 s and pods evicted 5 s later, so failure tests finish quickly.</summary>
public sealed class WorkloadCluster : SimulatedCluster
{
    protected override IReadOnlyList<string> ServerArgs =>
        ["--node-monitor-grace-period", "5", "--default-unreachable-toleration-seconds", "5", "--default-not-ready-toleration-seconds", "5"];

    protected override Task CreateNodesAsync() => SimNodesAsync("--count", "3", "--name-prefix", "work-");
}

/// <summary>
/// Deployments driven by the real kubectl on simulated nodes: the scheduler places pods, the
/// simulator runs them, the controllers keep the declared state through rollouts and failures.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class DeploymentTests(WorkloadCluster cluster) : IClassFixture<WorkloadCluster>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private Kubectl Kubectl => cluster.Kubectl;

    [Fact]
    public async Task CreateDeployment_ThreeReplicas_RunOnSimulatedNodes_AndADeletedPodIsReplaced()
    {
        const string Ns = "deploy-create";
        await Kubectl.CreateNamespaceAsync(Ns);

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "deployment", "web", "--image=nginx", "--replicas=3"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: Timeout));

        var phases = await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}");
        Assert.Equal(["Running", "Running", "Running"], KubectlAssert.Succeeds(phases).Stdout.Split(' '));
        var victim = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")).Stdout;

        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "delete", "pod", victim, "--wait=false"], null));

        await Eventually.WaitAsync(async ct =>
        {
            var names = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=web", "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}")).Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return names.Length == 3 && !names.Contains(victim);
        }, Timeout, "a replacement for the deleted pod");
    }

    [Fact]
    public async Task SetImage_RollsWithinSurgeAndUnavailability_ThenUndoReturnsToOldTemplate()
    {
        const string Ns = "deploy-roll";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=4"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: Timeout));

        // Watch every pod change during the rollout; defaults are maxSurge 25% → 1, maxUnavailable 25% → 1.
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Server.KubeconfigPath));
        var violations = new ConcurrentQueue<string>();
        var pods = new ConcurrentDictionary<string, V1Pod>();
        using var stopWatch = new CancellationTokenSource();
        var list = await client.CoreV1.ListNamespacedPodAsync(Ns);
        foreach (var p in list.Items)
        {
            pods[p.Metadata.Name] = p;
        }

        var watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(Ns, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: stopWatch.Token))
                {
                    if (type == WatchEventType.Deleted)
                    {
                        pods.TryRemove(pod.Metadata.Name, out _);
                    }
                    else
                    {
                        pods[pod.Metadata.Name] = pod;
                    }

                    var live = pods.Values.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();
                    var ready = live.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
                    if (live.Count > 5)
                    {
                        violations.Enqueue($"{live.Count} pods exist (max 4 + surge 1)");
                    }

                    if (ready < 3 && live.Count >= 3)
                    {
                        violations.Enqueue($"only {ready} ready pods (min 4 - unavailable 1)");
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "set", "image", "deployment/web", "nginx=nginx:1.27"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: Timeout));
        await stopWatch.CancelAsync();
        await watching;

        Assert.Empty(violations);
        Assert.Equal("nginx:1.27", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.template.spec.containers[0].image}"));
        var history = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "rollout", "history", "deployment/web")).Stdout;
        Assert.Contains("1 ", history, StringComparison.Ordinal);
        Assert.Contains("2 ", history, StringComparison.Ordinal);

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "rollout", "undo", "deployment/web"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: Timeout));

        Assert.Equal("nginx:1.25", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.template.spec.containers[0].image}"));
        // Pods of the undone template may still be in their grace period; the live ones run the old image.
        var images = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.deletionTimestamp}|{.spec.containers[0].image}{\"\\n\"}{end}")).Stdout;
        var live = images.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('|')).Select(l => l[1..]).ToList();
        Assert.Equal(4, live.Count);
        Assert.All(live, i => Assert.Equal("nginx:1.25", i));
    }

    [Fact]
    public async Task CascadeForeground_DeletesReplicaSetsAndPodsBeforeTheDeployment()
    {
        const string Ns = "deploy-cascade";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "deployment", "web", "--image=nginx", "--replicas=2"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: Timeout));

        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "delete", "deployment", "web", "--cascade=foreground", "--timeout=90s"], null, timeout: Timeout));

        Assert.Equal("", KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "replicasets", "-o", "name")).Stdout.Trim());
        var pods = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{\"\\n\"}{end}")).Stdout;
        Assert.All(pods.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.True(line.Trim().Contains(' ', StringComparison.Ordinal), $"pod left without a deletion: {line}"));
    }

    [Fact]
    public async Task NodeHeartbeatStops_PodsAreRecreatedOnOtherNodes()
    {
        const string Ns = "deploy-failover";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "deployment", "web", "--image=nginx", "--replicas=3"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: Timeout));
        var failed = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")).Stdout;

        KubectlAssert.Succeeds(await Kubectl.RunAsync("annotate", "node", failed, "timonel.dev/sim-heartbeat=stopped"));
        try
        {
            await Eventually.WaitAsync(async ct =>
            {
                var rows = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName},{.status.phase},{.metadata.deletionTimestamp}{\"\\n\"}{end}")).Stdout
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split(',')).ToList();
                var runningElsewhere = rows.Count(r => r[0] != failed && r[1] == "Running" && r[2].Length == 0);
                return runningElsewhere == 3;
            }, TimeSpan.FromSeconds(120), $"three Running pods off the failed node {failed}");
        }
        finally
        {
            KubectlAssert.Succeeds(await Kubectl.RunAsync("annotate", "node", failed, "timonel.dev/sim-heartbeat-"));
        }
    }
}
