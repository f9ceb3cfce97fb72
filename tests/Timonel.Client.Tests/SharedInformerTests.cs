using k8s;
using k8s.Models;
using Timonel.Client.Informers;
using Timonel.Testing;
using Timonel.Client.Tests.LeaderElection;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class SharedInformerTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TestCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Start_ExistingObjectsInPages_ListedThenAddsUpdatesDeletesFollow()
    {
        var ns = await _cluster.CreateNamespaceAsync("inf");
        for (var i = 1; i <= 5; i++)
        {
            await CreateConfigMapAsync(ns, $"cm-{i}");
        }

        await using var informer = new SharedInformer<V1ConfigMap>(_cluster.Client, ResourceKinds.ConfigMaps, new InformerOptions { Namespace = ns, PageSize = 2 });
        var handler = new RecordingHandler<V1ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);

        Assert.True(informer.HasSynced);
        Assert.Equal(5, informer.Cache.Count);
        Assert.Equal(["cm-1", "cm-2", "cm-3", "cm-4", "cm-5"], handler.Events.Select(e => e.Split(' ')[1]).Order());
        Assert.All(handler.Events, e => Assert.StartsWith("initial-add", e, StringComparison.Ordinal));
        Assert.Equal("ConfigMap", informer.Cache.Get(ns, "cm-1")!.Kind);
        handler.Clear();

        await CreateConfigMapAsync(ns, "cm-6");
        var cm1 = await _cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("cm-1", ns);
        cm1.Data = new Dictionary<string, string> { ["k"] = "v2" };
        await _cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm1, "cm-1", ns);
        await _cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("cm-2", ns);

        await WaitForEventsAsync(handler, 3);
        Assert.Equal(["add cm-6", "update cm-1", "delete cm-2"], handler.Events);
        Assert.Equal("v2", informer.Cache.Get($"{ns}/cm-1")!.Data["k"]);
        Assert.Null(informer.Cache.Get($"{ns}/cm-2"));
        Assert.Equal(5, informer.Cache.Count);
    }

    [Fact]
    public async Task Relist_AfterDisconnectAndCompaction_DiffDeliveredWithoutLossOrDuplicates()
    {
        var ns = await _cluster.CreateNamespaceAsync("relist");
        foreach (var name in new[] { "keep", "change", "remove" })
        {
            await CreateConfigMapAsync(ns, name);
        }

        var network = new NetworkSwitch();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_cluster.KubeconfigPath), network);
        await using var informer = new SharedInformer<V1ConfigMap>(client, ResourceKinds.ConfigMaps, new InformerOptions { Namespace = ns });
        var handler = new RecordingHandler<V1ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        handler.Clear();

        network.TurnOff();
        var change = await _cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("change", ns);
        change.Data = new Dictionary<string, string> { ["k"] = "changed" };
        await _cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(change, "change", ns);
        await _cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("remove", ns);
        await CreateConfigMapAsync(ns, "new");
        var revision = await _cluster.Store.GetCurrentRevisionAsync(CancellationToken.None);
        await _cluster.Store.CompactAsync(revision, CancellationToken.None);
        network.TurnOn();

        await WaitForEventsAsync(handler, 3);
        Assert.Equal(["add new", "delete-unknown remove", "update change"], handler.Events.Order());
        Assert.Equal(["change", "keep", "new"], informer.Cache.List().Select(c => c.Metadata.Name).Order());
        Assert.Equal("changed", informer.Cache.Get(ns, "change")!.Data["k"]);

        // The watch resumed after the relist: later changes still arrive, once each.
        handler.Clear();
        await CreateConfigMapAsync(ns, "after");
        await WaitForEventsAsync(handler, 1);
        await Task.Delay(200);
        Assert.Equal(["add after"], handler.Events);
    }

    [Fact]
    public async Task Start_FieldSelectorOnNodeName_CachesOnlyThatNodesPods()
    {
        var ns = await _cluster.CreateNamespaceAsync("sel");
        await CreatePodAsync(ns, "on-a", "node-a");
        await CreatePodAsync(ns, "on-b", "node-b");
        await CreatePodAsync(ns, "unbound", null);

        await using var informer = new SharedInformer<V1Pod>(_cluster.Client, ResourceKinds.Pods, new InformerOptions { FieldSelector = "spec.nodeName=node-a" });
        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(["on-a"], informer.Cache.List().Select(p => p.Metadata.Name));

        await CreatePodAsync(ns, "on-a-2", "node-a");
        await CreatePodAsync(ns, "on-b-2", "node-b");
        await Eventually.WaitAsync(_ => Task.FromResult(informer.Cache.Count == 2), Timeout, "second pod on node-a");
        await Task.Delay(200);
        Assert.Equal(["on-a", "on-a-2"], informer.Cache.List().Select(p => p.Metadata.Name).Order());
    }

    [Fact]
    public async Task Update_ObjectLeavesLabelSelector_DeliveredAsDelete()
    {
        var ns = await _cluster.CreateNamespaceAsync("lsel");
        await CreateConfigMapAsync(ns, "a", new Dictionary<string, string> { ["app"] = "web" });
        await CreateConfigMapAsync(ns, "b", new Dictionary<string, string> { ["app"] = "db" });

        await using var informer = new SharedInformer<V1ConfigMap>(_cluster.Client, ResourceKinds.ConfigMaps, new InformerOptions { Namespace = ns, LabelSelector = "app=web" });
        var handler = new RecordingHandler<V1ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(["initial-add a"], handler.Events);
        handler.Clear();

        var a = await _cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("a", ns);
        a.Metadata.Labels["app"] = "other";
        await _cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(a, "a", ns);
        await WaitForEventsAsync(handler, 1);
        Assert.Equal(["delete a"], handler.Events);
        Assert.Equal(0, informer.Cache.Count);
    }

    [Fact]
    public async Task AddEventHandler_AfterSync_ReplaysCachedObjectsAsAdds()
    {
        var ns = await _cluster.CreateNamespaceAsync("late");
        await CreateConfigMapAsync(ns, "x");
        await using var informer = new SharedInformer<V1ConfigMap>(_cluster.Client, ResourceKinds.ConfigMaps, new InformerOptions { Namespace = ns });
        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);

        var handler = new RecordingHandler<V1ConfigMap>();
        using (informer.AddEventHandler(handler))
        {
            Assert.Equal(["initial-add x"], handler.Events);
        }

        await CreateConfigMapAsync(ns, "y");
        await Eventually.WaitAsync(_ => Task.FromResult(informer.Cache.Count == 2), Timeout, "y cached");
        Assert.Equal(["initial-add x"], handler.Events);
    }

    [Fact]
    public async Task Factory_SameKindAndOptions_SharesOneInformer()
    {
        var ns = await _cluster.CreateNamespaceAsync("fac");
        await CreateConfigMapAsync(ns, "x");
        await using var factory = new SharedInformerFactory(_cluster.Client);
        var a = factory.Get(ResourceKinds.ConfigMaps, new InformerOptions { Namespace = ns });
        var b = factory.Get<V1ConfigMap>(new InformerOptions { Namespace = ns });
        var other = factory.Get(ResourceKinds.ConfigMaps, new InformerOptions { Namespace = ns, LabelSelector = "app=x" });
        Assert.Same(a, b);
        Assert.NotSame(a, other);

        factory.Start();
        await factory.WaitForCacheSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(1, a.Cache.Count);
        Assert.Equal(0, other.Cache.Count);

        var late = factory.Get(ResourceKinds.Namespaces);
        await late.WaitForSyncAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.NotNull(late.Cache.Get(ns));
    }

    [Fact]
    public async Task Start_ForbiddenOrUnknownResource_KeepsRetryingWithoutSyncing()
    {
        var bogus = new ResourceKind<V1ConfigMap>("", "v1", "ConfigMap", "nosuchthings");
        await using var informer = new SharedInformer<V1ConfigMap>(_cluster.Client, bogus);
        informer.Start();
        await Task.Delay(500);
        Assert.False(informer.HasSynced);
    }

    private async Task CreateConfigMapAsync(string ns, string name, Dictionary<string, string>? labels = null) =>
        await _cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = labels }, Data = new Dictionary<string, string> { ["k"] = "v" } }, ns);

    private async Task CreatePodAsync(string ns, string name, string? nodeName) =>
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PodSpec { NodeName = nodeName, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            },
            ns);

    private static Task WaitForEventsAsync<T>(RecordingHandler<T> handler, int count)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Eventually.WaitAsync(_ => Task.FromResult(handler.Events.Count >= count), Timeout, $"{count} informer events (have: {string.Join(", ", handler.Events)})");
}
