using k8s;
using k8s.Models;
using Timonel.Controllers.History;
using Timonel.Controllers.Tests.StatefulSet;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.History;

/// <summary>
/// RevisionHistory driven directly with a deliberately stale "cached" list of revisions, as an
/// informer that has not yet seen the controller's own latest writes hands it.
/// </summary>
public sealed class RevisionHistoryTests
{
    [Fact]
    public async Task ResolveAsync_CacheMissesNewestRevision_NumbersNewRevisionAfterIt()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (history, set) = await NewSetAsync(cluster);
        var first = await history.ResolveAsync(set, "StatefulSet", Template("busybox:1"), [], null, 0, CancellationToken.None);
        var second = await history.ResolveAsync(set, "StatefulSet", Template("busybox:2"), [first.Update], null, 0, CancellationToken.None);

        // The cache still only knows the first revision.
        var third = await history.ResolveAsync(set, "StatefulSet", Template("busybox:3"), [first.Update], null, 0, CancellationToken.None);

        Assert.Equal([1L, 2L, 3L], new[] { first.Update, second.Update, third.Update }.Select(r => r.Revision ?? 0));
        Assert.Equal(3, third.All.Count);
    }

    [Fact]
    public async Task ResolveAsync_CacheMissesRevisionRolledBackTo_RenumbersItAsNewest()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (history, set) = await NewSetAsync(cluster);
        var first = await history.ResolveAsync(set, "StatefulSet", Template("busybox:1"), [], null, 0, CancellationToken.None);
        await history.ResolveAsync(set, "StatefulSet", Template("busybox:2"), [first.Update], null, 0, CancellationToken.None);

        // Back to the first template while the cache is still empty.
        var back = await history.ResolveAsync(set, "StatefulSet", Template("busybox:1"), [], null, 0, CancellationToken.None);

        Assert.Equal(first.Update.Metadata.Name, back.Update.Metadata.Name);
        Assert.Equal(3L, back.Update.Revision);
        var stored = await cluster.Client.AppsV1.ReadNamespacedControllerRevisionAsync(first.Update.Metadata.Name, set.Metadata.NamespaceProperty);
        Assert.Equal(3L, stored.Revision);
    }

    [Fact]
    public async Task ResolveAsync_CachedNewestRecordsTemplate_KeepsItWithoutNewRevision()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (history, set) = await NewSetAsync(cluster);
        var first = await history.ResolveAsync(set, "StatefulSet", Template("busybox:1"), [], null, 0, CancellationToken.None);

        var again = await history.ResolveAsync(set, "StatefulSet", Template("busybox:1"), [first.Update], null, 0, CancellationToken.None);

        Assert.Equal(first.Update.Metadata.Name, again.Update.Metadata.Name);
        Assert.Equal(1L, again.Update.Revision);
        Assert.Single((await cluster.Client.AppsV1.ListNamespacedControllerRevisionAsync(set.Metadata.NamespaceProperty)).Items);
    }

    private static async Task<(RevisionHistory History, V1StatefulSet Set)> NewSetAsync(TestCluster cluster)
    {
        var ns = await cluster.CreateNamespaceAsync("history");
        var set = await cluster.Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 1), ns);
        return (new RevisionHistory(cluster.Client), set);
    }

    private static V1PodTemplateSpec Template(string image) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = image }] },
    };
}
