using System.Globalization;
using System.Text;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// A hundred autoscalers at once on simulated nodes, whose pods report the CPU their
/// <c>timonel.dev/sim-cpu</c> annotation says: each scales its Deployment to the count its
/// usage asks for, and a new usage in the pod template scales them all back.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class SimulatedAutoscalingTests : IClassFixture<SimulatedAutoscalingCluster>
{
    private const int Count = 100;
    private const string Ns = "hpa100";
    private static readonly TimeSpan ScaleLimit = TimeSpan.FromSeconds(240);

    private readonly SimulatedAutoscalingCluster cluster;
    private readonly ITestOutputHelper output;

    public SimulatedAutoscalingTests(SimulatedAutoscalingCluster cluster, ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    [Fact]
    public async Task HundredHpas_SimulatedUsage_EachScalesToItsCountAndBackWhenTheTemplateChanges()
    {
        var kubectl = cluster.Kubectl;
        await kubectl.CreateNamespaceAsync(Ns);
        var started = DateTime.UtcNow;

        // Every tenth pod uses exactly its target (50m of a 100m request at 50 %): it stays at 1.
        // The others use 500m, ten times the target: one step to their maxReplicas, 2 to 5.
        KubectlAssert.Succeeds(await kubectl.RunAsync(["apply", "-f", "-"], Workloads(i => i % 10 == 0 ? "50m" : "500m"), timeout: ScaleLimit));
        var expected = Enumerable.Range(0, Count).ToDictionary(Name, i => i % 10 == 0 ? 1 : MaxReplicas(i));

        await WaitForReplicasAsync(expected, "each deployment at its expected size");
        output.WriteLine($"{Count} autoscalers at their sizes after {(DateTime.UtcNow - started).TotalSeconds:0}s");

        // The ones at target were read too (a percentage, not <unknown>), and chose to stay.
        var targets = await Eventually.WaitAsync(
            async _ =>
            {
                var r = KubectlAssert.Succeeds(await kubectl.RunAsync("-n", Ns, "get", "hpa", "--no-headers"));
                var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                return lines.Length == Count && lines.All(l => !l.Contains("<unknown>", StringComparison.Ordinal)) ? lines : null;
            },
            ScaleLimit,
            "every autoscaler shows its current utilization");
        Assert.Matches(@"^d0\s+Deployment/d0\s+cpu: 50%/50%\s+1\s+2\s+1\s", targets.Single(l => l.StartsWith("d0 ", StringComparison.Ordinal)));
        Assert.Matches(@"^d1\s+Deployment/d1\s+cpu: 500%/50%\s+1\s+3\s+3\s", targets.Single(l => l.StartsWith("d1 ", StringComparison.Ordinal)));

        // A new usage in every template rolls the pods out; at a fifth of the target all go back to 1.
        var back = DateTime.UtcNow;
        KubectlAssert.Succeeds(await kubectl.RunAsync(["apply", "-f", "-"], Workloads(_ => "10m"), timeout: ScaleLimit));
        await WaitForReplicasAsync(expected.ToDictionary(e => e.Key, _ => 1), "every deployment back at 1");
        output.WriteLine($"{Count} autoscalers back at 1 after {(DateTime.UtcNow - back).TotalSeconds:0}s");
    }

    private static string Name(int i) => string.Create(CultureInfo.InvariantCulture, $"d{i}");

    private static int MaxReplicas(int i) => 2 + (i % 4);

    private static string Workloads(Func<int, string> cpu)
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $$$"""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: {{{Name(i)}}}, namespace: {{{Ns}}}}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: {{{Name(i)}}}}}
                  template:
                    metadata:
                      labels: {app: {{{Name(i)}}}}
                      annotations: {timonel.dev/sim-cpu: {{{cpu(i)}}}}
                    spec:
                      containers:
                      - name: app
                        image: nginx
                        resources: {requests: {cpu: 100m}}
                ---
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: {{{Name(i)}}}, namespace: {{{Ns}}}}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{{Name(i)}}}}
                  minReplicas: 1
                  maxReplicas: {{{MaxReplicas(i)}}}
                  metrics:
                  - type: Resource
                    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
                  behavior:
                    scaleDown: {stabilizationWindowSeconds: 5}
                ---

                """);
        }

        return yaml.ToString();
    }

    /// <summary>Waits until every deployment's spec.replicas is the expected count; the message lists those that are not.</summary>
    private async Task WaitForReplicasAsync(IReadOnlyDictionary<string, int> expected, string what)
    {
        var wrong = new List<string>();
        try
        {
            await Eventually.WaitAsync(
                async _ =>
                {
                    var r = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", Ns, "get", "deployments", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.replicas}{\"\\n\"}{end}"));
                    var actual = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
                    wrong = expected.Where(e => !actual.TryGetValue(e.Key, out var n) || n != e.Value.ToString(CultureInfo.InvariantCulture))
                        .Select(e => $"{e.Key}: {actual.GetValueOrDefault(e.Key, "absent")} (want {e.Value})").ToList();
                    return wrong.Count == 0;
                },
                ScaleLimit,
                what);
        }
        catch (TimeoutException e)
        {
            var first = wrong.FirstOrDefault()?.Split(':')[0] ?? "d1";
            var describe = await cluster.Kubectl.RunAsync("-n", Ns, "describe", "hpa", first);
            throw new TimeoutException($"{e.Message}; {wrong.Count} not there: {string.Join(", ", wrong.Take(20))}\n{describe}\n{cluster.Server.LogTail()}", e);
        }
    }
}

/// <summary>
/// A server with eight simulated nodes (32 CPUs, 110 pods each: room for the 350 replicas and
/// their rollouts), scraping every 10 s and reconciling autoscalers every 5 s.
/// </summary>
public sealed class SimulatedAutoscalingCluster : SimulatedCluster
{
    protected override IReadOnlyList<string> ServerArgs => ["--metrics-resolution", "10s", "--horizontal-pod-autoscaler-sync-period", "5s"];

    protected override async Task CreateNodesAsync()
    {
        await SimNodesAsync("--count", "8");
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["wait", "--for=condition=Ready", "nodes", "--all", "--timeout=90s"], null, timeout: TimeSpan.FromSeconds(100)));
    }
}
