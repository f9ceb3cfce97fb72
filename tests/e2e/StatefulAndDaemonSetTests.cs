using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;
using Xunit;

namespace Timonel.E2E.Tests;

/// <summary>
/// StatefulSet ordering and DaemonSet node-following driven by the real kubectl. The test plays
/// the kubelet: it reports pods Ready through the status subresource and completes graceful
/// deletions, so each ordered step is observed exactly.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class StatefulAndDaemonSetTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private Kubectl Kubectl => fixture.Kubectl;

    [Fact]
    public async Task StatefulSet_ScalesUpInOrder_AndDownInReverse()
    {
        const string Ns = "e2e-sts";
        await Kubectl.CreateNamespaceAsync(Ns);
        // Bound to a node no kubelet serves: deletions stay graceful until the test completes them.
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync($$$"""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web, namespace: {{{Ns}}}}
            spec:
              replicas: 3
              serviceName: web
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  nodeName: e2e-no-kubelet
                  containers: [{name: main, image: nginx:1.25}]
            """));

        for (var i = 0; i < 3; i++)
        {
            var expected = Enumerable.Range(0, i + 1).Select(n => $"web-{n}").ToArray();
            var pods = await WaitForPodsAsync(Ns, p => p.Select(Name).SequenceEqual(expected) ? p : null, $"pods {string.Join(",", expected)}");
            Assert.Equal(i + 1, pods.Count);
            await MarkReadyAsync(Ns, $"web-{i}");
        }

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "rollout", "status", "statefulset/web", "--timeout=90s"));
        Assert.Equal("3", await Kubectl.JsonPathAsync(Ns, "statefulset/web", "{.status.readyReplicas}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "scale", "statefulset/web", "--replicas=0"));
        for (var i = 2; i >= 0; i--)
        {
            var victim = $"web-{i}";
            var pods = await WaitForPodsAsync(Ns, p => p.Any(x => Name(x) == victim && Terminating(x)) ? p : null, $"{victim} terminating");
            Assert.Equal(i + 1, pods.Count);
            Assert.All(pods.Where(p => Name(p) != victim), p => Assert.False(Terminating(p)));
            KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "delete", "pod", victim, "--grace-period=0", "--force"));
        }

        await WaitForPodsAsync(Ns, p => p.Count == 0 ? p : null, "no pods");
    }

    [Fact]
    public async Task StatefulSet_DocsTutorialWithVolumeClaimTemplate_AppliesAndPodsGetClaims()
    {
        const string Ns = "e2e-sts-docs";
        await Kubectl.CreateNamespaceAsync(Ns);

        // The kubernetes.io StatefulSet basics tutorial (written here): a container mounts "www",
        // a volume only volumeClaimTemplates declares.
        var apply = await Kubectl.ApplyAsync($$$"""
            apiVersion: v1
            kind: Service
            metadata: {name: nginx, namespace: {{{Ns}}}, labels: {app: nginx}}
            spec:
              ports: [{port: 80, name: web}]
              clusterIP: None
              selector: {app: nginx}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: web, namespace: {{{Ns}}}}
            spec:
              serviceName: nginx
              replicas: 1
              minReadySeconds: 10
              selector: {matchLabels: {app: nginx}}
              template:
                metadata: {labels: {app: nginx}}
                spec:
                  terminationGracePeriodSeconds: 10
                  nodeName: e2e-no-kubelet
                  containers:
                  - name: nginx
                    image: registry.k8s.io/nginx-slim:0.24
                    ports: [{containerPort: 80, name: web}]
                    volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
              volumeClaimTemplates:
              - metadata: {name: www}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
            """);

        KubectlAssert.Succeeds(apply);
        await WaitForPodsAsync(Ns, p => p.Any(x => Name(x) == "web-0") ? p : null, "pod web-0");
        Assert.Equal("www-web-0", await Kubectl.JsonPathAsync(Ns, "pod/web-0", "{.spec.volumes[?(@.name==\"www\")].persistentVolumeClaim.claimName}"));
        Assert.Equal("www-web-0", await Kubectl.JsonPathAsync(Ns, "pvc/www-web-0", "{.metadata.name}"));
    }

    [Fact]
    public async Task DaemonSet_FollowsNodesAddedAndRemoved()
    {
        const string Ns = "e2e-ds";
        await Kubectl.CreateNamespaceAsync(Ns);
        await CreateNodeAsync("e2e-ds-a");
        await CreateNodeAsync("e2e-ds-b");
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync($$$"""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent, namespace: {{{Ns}}}}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec:
                  nodeSelector: {e2e-pool: ds}
                  containers: [{name: main, image: nginx:1.25}]
            """));

        await WaitForNodesAsync(Ns, "e2e-ds-a", "e2e-ds-b");
        await CreateNodeAsync("e2e-ds-c");
        var pods = await WaitForNodesAsync(Ns, "e2e-ds-a", "e2e-ds-b", "e2e-ds-c");
        foreach (var pod in pods)
        {
            await MarkReadyAsync(Ns, Name(pod));
        }

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "rollout", "status", "daemonset/agent", "--timeout=90s"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("delete", "node", "e2e-ds-a"));
        await WaitForNodesAsync(Ns, "e2e-ds-b", "e2e-ds-c");
        var desired = await WaitAsync(
            async () => await Kubectl.JsonPathAsync(Ns, "daemonset/agent", "{.status.desiredNumberScheduled}") is "2" ? "2" : null,
            "desiredNumberScheduled 2");
        Assert.Equal("2", desired);
    }

    private static string Name(JsonNode pod) => (string)pod["metadata"]!["name"]!;

    private static bool Terminating(JsonNode pod) => pod["metadata"]?["deletionTimestamp"] is not null;

    /// <summary>The node a daemon pod is for: its binding, else the metadata.name its required affinity names.</summary>
    private static string? TargetNode(JsonNode pod) =>
        (string?)pod["spec"]?["nodeName"]
        ?? (string?)pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?[0]?["matchFields"]?[0]?["values"]?[0];

    private async Task CreateNodeAsync(string name) =>
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync($$$"""
            apiVersion: v1
            kind: Node
            metadata: {name: {{{name}}}, labels: {e2e-pool: ds}}
            """));

    private async Task MarkReadyAsync(string ns, string pod) =>
        KubectlAssert.Succeeds(await Kubectl.RunAsync(
            "-n", ns, "patch", "pod", pod, "--subresource=status", "--type=merge",
            "-p", """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"}]}}"""));

    private async Task<List<JsonNode>> WaitForNodesAsync(string ns, params string[] nodes) =>
        await WaitForPodsAsync(
            ns,
            p =>
            {
                var live = p.Where(x => !Terminating(x)).ToList();
                return live.Select(TargetNode).Order(StringComparer.Ordinal).SequenceEqual(nodes) ? live : null;
            },
            $"daemon pods on [{string.Join(",", nodes)}]");

    private async Task<List<JsonNode>> WaitForPodsAsync(string ns, Func<List<JsonNode>, List<JsonNode>?> check, string what) =>
        await WaitAsync(
            async () =>
            {
                var result = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "get", "pods", "-o", "json"));
                var items = JsonNode.Parse(result.Stdout)!["items"]!.AsArray().Select(i => i!).OrderBy(Name, StringComparer.Ordinal).ToList();
                return check(items);
            },
            what);

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {Timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(250);
        }
    }
}
