using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Namespace;

public sealed class NamespaceControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "namespace");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Task WaitNamespaceGoneAsync(string ns) =>
        Eventually.WaitAsync(_ => TestObjects.IsGoneAsync(() => Client.CoreV1.ReadNamespaceAsync(ns)), Patience, $"namespace {ns} to go");

    private Task<V1NamespaceCondition> WaitConditionAsync(string ns, string type, string status) =>
        Eventually.WaitAsync(async ct =>
        {
            var current = await Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct);
            return current.Status?.Conditions?.FirstOrDefault(c => c.Type == type && c.Status == status);
        }, Patience, $"condition {type}={status} on {ns}");

    [Fact]
    public async Task DeleteNamespace_WithContent_RemovesContentThenTheNamespace()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("doomed");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        await Client.CoreV1.CreateNamespacedPodAsync(TestObjects.Pod("p"), ns);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(TestObjects.Deployment("d"), ns);

        await Client.CoreV1.DeleteNamespaceAsync(ns);

        await WaitNamespaceGoneAsync(ns);
        // A namespace of the same name starts empty.
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        Assert.DoesNotContain((await Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items, c => c.Metadata.Name == "c");
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
        Assert.Empty((await Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
    }

    [Fact]
    public async Task DeleteNamespace_PodInGracePeriod_StaysTerminatingAndSaysWhatRemains()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("graceful");
        var pod = TestObjects.Pod("bound");
        pod.Spec.NodeName = "node-1";
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        await Client.CoreV1.DeleteNamespaceAsync(ns);

        var remaining = await WaitConditionAsync(ns, "NamespaceContentRemaining", "True");
        Assert.Equal("SomeResourcesRemain", remaining.Reason);
        Assert.Equal("Some resources are remaining: pods. has 1 resource instances", remaining.Message);
        var current = await Client.CoreV1.ReadNamespaceAsync(ns);
        Assert.Equal("Terminating", current.Status.Phase);
        Assert.Contains(current.Status.Conditions, c => c.Type == "NamespaceDeletionContentFailure" && c.Status == "False" && c.Reason == "ContentDeleted");
        Assert.NotNull((await Client.CoreV1.ReadNamespacedPodAsync("bound", ns)).Metadata.DeletionTimestamp);

        // The node agent's part: the pod stopped, delete it for good.
        await Client.CoreV1.DeleteNamespacedPodAsync("bound", ns, gracePeriodSeconds: 0);
        await WaitNamespaceGoneAsync(ns);
    }

    [Fact]
    public async Task DeleteNamespace_ObjectWithFinalizer_WaitsForIt()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("held");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] } }, ns);

        await Client.CoreV1.DeleteNamespaceAsync(ns);

        var finalizers = await WaitConditionAsync(ns, "NamespaceFinalizersRemaining", "True");
        Assert.Equal("Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances", finalizers.Message);
        Assert.Contains("kubernetes", (await Client.CoreV1.ReadNamespaceAsync(ns)).Spec.Finalizers);

        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), "held", ns);
        await WaitNamespaceGoneAsync(ns);
    }

    [Fact]
    public async Task ActiveNamespace_IsLeftAlone()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("alive");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        var other = await _harness.Cluster.CreateNamespaceAsync("other");
        await Client.CoreV1.DeleteNamespaceAsync(other);
        await WaitNamespaceGoneAsync(other);

        Assert.Single((await Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items, c => c.Metadata.Name == "c");
        Assert.Equal("Active", (await Client.CoreV1.ReadNamespaceAsync(ns)).Status.Phase);
    }
}
