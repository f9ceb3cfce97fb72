using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Controllers.ResourceQuota;
using Timonel.Registry.Resources;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ResourceQuota;

public sealed class ResourceQuotaControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "resourcequota");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private static V1ResourceQuota Quota(Dictionary<string, string> hard) => new()
    {
        Metadata = new V1ObjectMeta { Name = "q" },
        Spec = new V1ResourceQuotaSpec { Hard = hard.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value)) },
    };

    private static V1Pod PodWithCpu(string name, string cpu)
    {
        var pod = TestObjects.Pod(name);
        pod.Spec.Containers[0].Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) },
        };
        return pod;
    }

    private Task WaitUsedAsync(string ns, string name, string value) =>
        Eventually.WaitAsync(async ct =>
        {
            var quota = await Client.CoreV1.ReadNamespacedResourceQuotaAsync("q", ns, cancellationToken: ct);
            return quota.Status?.Used is { } used && used.TryGetValue(name, out var q) && q.ToString() == value;
        }, Patience, $"quota used {name}={value}");

    [Fact]
    public async Task NewQuota_GetsHardAndUsedFromExistingObjects()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("rq");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, ns);
        await Client.CoreV1.CreateNamespacedPodAsync(TestObjects.Pod("p"), ns);

        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(Quota(new() { ["pods"] = "5", ["count/configmaps"] = "10", ["services"] = "2" }), ns);

        await WaitUsedAsync(ns, "pods", "1");
        var quota = await Client.CoreV1.ReadNamespacedResourceQuotaAsync("q", ns);
        Assert.Equal("1", quota.Status.Used["count/configmaps"].ToString());
        Assert.Equal("0", quota.Status.Used["services"].ToString());
        Assert.Equal(["count/configmaps", "pods", "services"], quota.Status.Hard.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeletePods_UsageDrops_AndCreatesAreAllowedAgain()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("rq-pods");
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(Quota(new() { ["pods"] = "2", ["requests.cpu"] = "1" }), ns);
        await WaitUsedAsync(ns, "pods", "0");
        await Client.CoreV1.CreateNamespacedPodAsync(PodWithCpu("a", "500m"), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(PodWithCpu("b", "500m"), ns);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(PodWithCpu("c", "500m"), ns));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Contains("exceeded quota: q, requested: pods=1,requests.cpu=500m, used: pods=2,requests.cpu=1, limited: pods=2,requests.cpu=1", refused.Response.Content, StringComparison.Ordinal);

        await Client.CoreV1.DeleteNamespacedPodAsync("a", ns);
        await WaitUsedAsync(ns, "pods", "1");
        await WaitUsedAsync(ns, "requests.cpu", "500m");
        await Client.CoreV1.CreateNamespacedPodAsync(PodWithCpu("c", "500m"), ns);
    }

    [Fact]
    public async Task PodFinishes_NoLongerCharged()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("rq-done");
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(Quota(new() { ["pods"] = "3" }), ns);
        await WaitUsedAsync(ns, "pods", "0");
        await PodStatus.CreateRunningAsync(Client, ns, TestObjects.Pod("job"), "10.42.0.5", ready: true);
        await WaitUsedAsync(ns, "pods", "1");

        await PodStatus.SetAsync(Client, ns, "job", "10.42.0.5", ready: false, phase: "Succeeded");

        await WaitUsedAsync(ns, "pods", "0");
    }

    [Theory]
    [InlineData("pods", "pods")]
    [InlineData("requests.cpu", "pods")]
    [InlineData("count/deployments.apps", "deployments")]
    [InlineData("services.nodeports", "services")]
    [InlineData("requests.storage", "persistentvolumeclaims")]
    public void QuotaResources_MapsNamesToTheCountedResource(string name, string plural) =>
        Assert.Equal(plural, Assert.Single(QuotaResources.For([name], ResourceCatalog.Default)).Plural);

    [Theory]
    [InlineData("count/widgets.example.com")]
    [InlineData("nonsense")]
    public void QuotaResources_UnknownName_CountsNothing(string name) => Assert.Empty(QuotaResources.For([name], ResourceCatalog.Default));
}
