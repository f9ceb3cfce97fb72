using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>Four simulated nodes in three zones; one is tainted, one has an SSD label. Each test its own namespace and pod labels.</summary>
public sealed class SchedulingCluster : SimulatedCluster
{
    protected override async Task CreateNodesAsync()
    {
        await SimNodesAsync("--count", "2", "--name-prefix", "za-", "--cpu", "2", "--labels", "topology.kubernetes.io/zone=a");
        await SimNodesAsync("--count", "1", "--name-prefix", "zb-", "--cpu", "2", "--labels", "topology.kubernetes.io/zone=b,disk=ssd");
        await SimNodesAsync("--count", "1", "--name-prefix", "zc-", "--cpu", "2", "--labels", "topology.kubernetes.io/zone=c", "--taints", "dedicated=gpu:NoSchedule");
    }
}

/// <summary>The scheduler seen through the real kubectl: placement rules, refusals worded like upstream, preemption.</summary>
[Collection(E2ECollection.Name)]
public sealed class SchedulingTests(SchedulingCluster cluster) : IClassFixture<SchedulingCluster>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private Kubectl Kubectl => cluster.Kubectl;

    [Fact]
    public async Task NodeSelector_PodLandsOnTheLabelledNode()
    {
        const string Ns = "sched-selector";
        await Kubectl.CreateNamespaceAsync(Ns);

        await ApplyPodAsync(Ns, "ssd", """{"nodeSelector":{"disk":"ssd"}}""");

        Assert.Equal("zb-0", await NodeOfAsync(Ns, "ssd"));
    }

    [Fact]
    public async Task Taint_WithoutToleration_PendingWithUpstreamMessage_WithTolerationScheduled()
    {
        const string Ns = "sched-taint";
        await Kubectl.CreateNamespaceAsync(Ns);
        const string OnlyC = "\"nodeSelector\":{\"topology.kubernetes.io/zone\":\"c\"}";

        await ApplyPodAsync(Ns, "intolerant", "{" + OnlyC + "}");
        await ApplyPodAsync(Ns, "tolerant", "{" + OnlyC + ""","tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]}""");

        Assert.Equal("zc-0", await NodeOfAsync(Ns, "tolerant"));
        var message = await UnschedulableMessageAsync(Ns, "intolerant");
        Assert.Contains("0/4 nodes are available:", message, StringComparison.Ordinal);
        Assert.Contains("1 node(s) had untolerated taint {dedicated: gpu}", message, StringComparison.Ordinal);
        Assert.Contains("3 node(s) didn't match Pod's node affinity/selector", message, StringComparison.Ordinal);
        var events = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "events", "--field-selector", "involvedObject.name=intolerant,reason=FailedScheduling", "-o", "jsonpath={.items[*].message}")).Stdout;
        Assert.Contains("untolerated taint {dedicated: gpu}", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resources_TooBigForEveryNode_InsufficientCpu()
    {
        const string Ns = "sched-resources";
        await Kubectl.CreateNamespaceAsync(Ns);

        await ApplyPodAsync(Ns, "huge", "{}", requests: """{"cpu":"3"}""");

        var message = await UnschedulableMessageAsync(Ns, "huge");
        Assert.Contains("3 Insufficient cpu", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodAntiAffinity_OnePerNode_FourthPodPending()
    {
        const string Ns = "sched-anti";
        await Kubectl.CreateNamespaceAsync(Ns);
        const string Anti = """{"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"anti"}},"topologyKey":"kubernetes.io/hostname"}]}}}""";

        for (var i = 0; i < 4; i++)
        {
            await ApplyPodAsync(Ns, $"anti-{i}", Anti, labels: """{"app":"anti"}""");
        }

        var placed = new List<string>();
        await Eventually.WaitAsync(async ct =>
        {
            placed = await NodesOfAsync(Ns, "app=anti");
            return placed.Count == 3;
        }, Timeout, "three anti-affine pods placed");
        Assert.Equal(3, placed.Distinct().Count());
        Assert.DoesNotContain("zc-0", placed);
        var pending = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=anti", "--field-selector", "spec.nodeName=", "-o", "name")).Stdout.Trim();
        var message = await UnschedulableMessageAsync(Ns, pending.Replace("pod/", "", StringComparison.Ordinal));
        Assert.Contains("anti-affinity rules", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodAffinity_FollowsTheAnchorPod()
    {
        const string Ns = "sched-affinity";
        await Kubectl.CreateNamespaceAsync(Ns);
        await ApplyPodAsync(Ns, "anchor", """{"nodeSelector":{"topology.kubernetes.io/zone":"a"}}""", labels: """{"app":"anchor"}""");
        var anchorNode = await NodeOfAsync(Ns, "anchor");

        await ApplyPodAsync(Ns, "follower", """{"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"anchor"}},"topologyKey":"kubernetes.io/hostname"}]}}}""");

        Assert.Equal(anchorNode, await NodeOfAsync(Ns, "follower"));
    }

    [Fact]
    public async Task TopologySpread_AcrossZones_SkewAtMostOne()
    {
        const string Ns = "sched-spread";
        await Kubectl.CreateNamespaceAsync(Ns);
        const string Spread = """{"topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"spread"}}}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"In","values":["a","b"]}]}]}}}}""";

        for (var i = 0; i < 4; i++)
        {
            await ApplyPodAsync(Ns, $"spread-{i}", Spread, labels: """{"app":"spread"}""");
            await NodeOfAsync(Ns, $"spread-{i}");
        }

        var nodes = await NodesOfAsync(Ns, "app=spread");
        var zoneA = nodes.Count(n => n.StartsWith("za-", StringComparison.Ordinal));
        var zoneB = nodes.Count(n => n.StartsWith("zb-", StringComparison.Ordinal));
        Assert.Equal((2, 2), (zoneA, zoneB));
    }

    [Fact]
    public async Task Preemption_HighPriorityPodEvictsLowPriorityPod()
    {
        const string Ns = "sched-preempt";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("create", "priorityclass", "e2e-low", "--value=10"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("create", "priorityclass", "e2e-high", "--value=1000"));
        const string OnB = "\"nodeSelector\":{\"disk\":\"ssd\"},\"terminationGracePeriodSeconds\":0";
        await ApplyPodAsync(Ns, "low", "{" + OnB + ""","priorityClassName":"e2e-low"}""", requests: """{"cpu":"1500m"}""");
        Assert.Equal("zb-0", await NodeOfAsync(Ns, "low"));

        await ApplyPodAsync(Ns, "high", "{" + OnB + ""","priorityClassName":"e2e-high"}""", requests: """{"cpu":"1500m"}""");

        Assert.Equal("zb-0", await NodeOfAsync(Ns, "high"));
        await Eventually.WaitAsync(async ct =>
        {
            var get = await Kubectl.RunAsync("-n", Ns, "get", "pod", "low", "--ignore-not-found", "-o", "name");
            return get.ExitCode == 0 && get.Stdout.Trim().Length == 0;
        }, Timeout, "the low-priority pod to be preempted");
        var events = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "events", "--field-selector", "involvedObject.name=low", "-o", "jsonpath={.items[*].reason}")).Stdout;
        Assert.Contains("Preempted", events, StringComparison.Ordinal);
    }

    private async Task ApplyPodAsync(string ns, string name, string specExtra, string requests = "{}", string labels = "{}")
    {
        var spec = JsonNode.Parse(specExtra)!.AsObject();
        spec["containers"] = new JsonArray(new JsonObject
        {
            ["name"] = "main",
            ["image"] = "busybox:1.36",
            ["resources"] = new JsonObject { ["requests"] = JsonNode.Parse(requests) },
        });
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = JsonNode.Parse(labels) },
            ["spec"] = spec,
        };
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["apply", "-f", "-"], pod.ToJsonString()));
    }

    private Task<string> NodeOfAsync(string ns, string pod) =>
        Eventually.WaitAsync(async ct =>
        {
            var node = await Kubectl.JsonPathAsync(ns, $"pod/{pod}", "{.spec.nodeName}");
            return node.Length > 0 ? node : null;
        }, Timeout, $"pod {pod} to be scheduled");

    private async Task<List<string>> NodesOfAsync(string ns, string selector)
    {
        var result = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "get", "pods", "-l", selector, "-o", "jsonpath={.items[*].spec.nodeName}"));
        return result.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private Task<string> UnschedulableMessageAsync(string ns, string pod) =>
        Eventually.WaitAsync(async ct =>
        {
            var reason = await Kubectl.JsonPathAsync(ns, $"pod/{pod}", "{.status.conditions[?(@.type==\"PodScheduled\")].reason}");
            return reason == "Unschedulable"
                ? await Kubectl.JsonPathAsync(ns, $"pod/{pod}", "{.status.conditions[?(@.type==\"PodScheduled\")].message}")
                : null;
        }, Timeout, $"pod {pod} to be marked Unschedulable");
}
