using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;
using static Timonel.Controllers.Tests.NodeLifecycle.NodeFixtures;

namespace Timonel.Controllers.Tests.NodeLifecycle;

public sealed class TaintEvictionTests
{
    private const string Key = "example.com/evict";

    private static async Task TaintAsync(IKubernetes client, string node) =>
        await client.CoreV1.PatchNodeAsync(new V1Patch($"{{\"spec\":{{\"taints\":[{{\"key\":\"{Key}\",\"effect\":\"NoExecute\"}}]}}}}", V1Patch.PatchType.MergePatch), node);

    [Fact]
    public async Task Evict_NoExecuteTaint_DeletesIntolerantAtOnceAndTolerantAfterTheirSeconds()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(graceSeconds: 60), "nodelifecycle");
        var ns = await harness.Cluster.CreateNamespaceAsync("taints");
        await CreateNodeAsync(harness.Client, "n1");
        await CreatePodAsync(harness.Client, ns, "intolerant", "n1");
        await CreatePodAsync(harness.Client, ns, "brief", "n1", new V1Toleration { Key = Key, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 3 });
        await CreatePodAsync(harness.Client, ns, "forever", "n1", new V1Toleration { Key = Key, OperatorProperty = "Exists" });

        await TaintAsync(harness.Client, "n1");

        await Eventually.WaitAsync(ct => IsDeletedAsync(harness.Client, ns, "intolerant", ct), WaitLimit, "intolerant pod evicted");
        Assert.False(await IsDeletedAsync(harness.Client, ns, "brief", CancellationToken.None), "the tolerating pod went before its tolerationSeconds");
        await Eventually.WaitAsync(ct => IsDeletedAsync(harness.Client, ns, "brief", ct), WaitLimit, "tolerating pod evicted");

        var evicted = await harness.Client.CoreV1.ReadNamespacedPodAsync("brief", ns);
        Assert.Equal("DeletionByTaintManager", evicted.Status.Conditions.Single(c => c.Type == "DisruptionTarget").Reason);
        Assert.False(await IsDeletedAsync(harness.Client, ns, "forever", CancellationToken.None));
    }

    [Fact]
    public async Task Evict_TaintRemovedInTime_CancelsEviction()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(graceSeconds: 60), "nodelifecycle");
        var ns = await harness.Cluster.CreateNamespaceAsync("cancel");
        await CreateNodeAsync(harness.Client, "n1");
        await CreatePodAsync(harness.Client, ns, "patient", "n1", new V1Toleration { Key = Key, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 4 });
        await CreatePodAsync(harness.Client, ns, "witness", "n1");

        await TaintAsync(harness.Client, "n1");
        await Eventually.WaitAsync(ct => IsDeletedAsync(harness.Client, ns, "witness", ct), WaitLimit, "intolerant witness evicted");
        await harness.Client.CoreV1.PatchNodeAsync(new V1Patch("{\"spec\":{\"taints\":null}}", V1Patch.PatchType.MergePatch), "n1");
        await Task.Delay(TimeSpan.FromSeconds(6));

        Assert.False(await IsDeletedAsync(harness.Client, ns, "patient", CancellationToken.None));
    }

    [Theory]
    [InlineData("k", "Equal", "v", "NoExecute", "k", "v", "NoExecute", true)]
    [InlineData("k", "Equal", "other", "NoExecute", "k", "v", "NoExecute", false)]
    [InlineData("k", "Exists", null, null, "k", "v", "NoExecute", true)]
    [InlineData(null, "Exists", null, null, "any", null, "NoExecute", true)]
    [InlineData("k", "Exists", null, "NoSchedule", "k", null, "NoExecute", false)]
    [InlineData("j", "Exists", null, null, "k", null, "NoExecute", false)]
    public void Tolerates_TolerationAndTaint_MatchesAsScheduler(string? key, string op, string? value, string? effect, string taintKey, string? taintValue, string taintEffect, bool expected)
    {
        var toleration = new V1Toleration { Key = key, OperatorProperty = op, Value = value, Effect = effect };
        var taint = new V1Taint { Key = taintKey, Value = taintValue, Effect = taintEffect };

        Assert.Equal(expected, Controllers.NodeLifecycle.Taints.Tolerates(toleration, taint));
    }
}
