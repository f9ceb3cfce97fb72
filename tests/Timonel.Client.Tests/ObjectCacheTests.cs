using k8s.Models;
using Timonel.Client.Informers;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class ObjectCacheTests
{
    [Fact]
    public void ByNamespaceAndOwnerUid_ObjectsUpsertedAndMoved_IndexesFollow()
    {
        var cache = new ObjectCache<V1Pod>();
        cache.Upsert(Pod("a", "p1", owner: "rs-1"));
        cache.Upsert(Pod("a", "p2", owner: "rs-2"));
        cache.Upsert(Pod("b", "p3", owner: "rs-1", controller: false));

        Assert.Equal(["p1", "p2"], Names(cache.ListByNamespace("a")));
        Assert.Equal(["p1"], Names(cache.ListByOwnerUid("rs-1")));

        cache.Upsert(Pod("a", "p1", owner: "rs-2"));
        Assert.Empty(cache.ListByOwnerUid("rs-1"));
        Assert.Equal(["p1", "p2"], Names(cache.ListByOwnerUid("rs-2")));

        cache.Remove("a/p2");
        Assert.Equal(["p1"], Names(cache.ListByNamespace("a")));
        Assert.Null(cache.Get("a", "p2"));
    }

    [Fact]
    public void ListOrphansByNamespace_ControllerRefSetAndCleared_IndexFollows()
    {
        var cache = new ObjectCache<V1Pod>();
        cache.Upsert(Pod("a", "owned", owner: "rs-1"));
        cache.Upsert(Pod("a", "orphan"));
        cache.Upsert(Pod("a", "non-controller-owner", owner: "rs-1", controller: false));
        cache.Upsert(Pod("b", "elsewhere"));

        Assert.Equal(["non-controller-owner", "orphan"], Names(cache.ListOrphansByNamespace("a")));

        cache.Upsert(Pod("a", "orphan", owner: "rs-2"));
        cache.Upsert(Pod("a", "owned"));
        Assert.Equal(["non-controller-owner", "owned"], Names(cache.ListOrphansByNamespace("a")));

        cache.Remove("a/owned");
        Assert.Equal(["non-controller-owner"], Names(cache.ListOrphansByNamespace("a")));
        Assert.Equal(["elsewhere"], Names(cache.ListOrphansByNamespace("b")));
    }

    [Fact]
    public void AddIndexer_ExistingObjects_IndexedAtOnceAndByIndexFindsThem()
    {
        var cache = new ObjectCache<V1Pod>();
        cache.Upsert(Pod("a", "p1", node: "n1"));
        cache.Upsert(Pod("a", "p2", node: "n2"));
        cache.AddIndexer("node", p => p.Spec?.NodeName is { } n ? [n] : []);
        cache.Upsert(Pod("b", "p3", node: "n1"));

        Assert.Equal(["p1", "p3"], Names(cache.ByIndex("node", "n1")));
        Assert.Empty(cache.ByIndex("node", "n9"));
    }

    [Fact]
    public void ByIndex_UnknownIndex_Throws()
    {
        var cache = new ObjectCache<V1Pod>();
        Assert.Throws<ArgumentException>(() => cache.ByIndex("nope", "x"));
        Assert.Throws<ArgumentException>(() => cache.AddIndexer(ObjectCache<V1Pod>.NamespaceIndex, _ => []));
    }

    [Fact]
    public void ObjectKeys_Split_RoundTripsAndRejectsBadKeys()
    {
        Assert.Equal(("ns", "n"), ObjectKeys.Split("ns/n"));
        Assert.Equal((null, "node-1"), ObjectKeys.Split("node-1"));
        Assert.Throws<ArgumentException>(() => ObjectKeys.Split("a/b/c"));
        Assert.Throws<ArgumentException>(() => ObjectKeys.Split("/b"));
        Assert.Throws<ArgumentException>(() => ObjectKeys.Split(""));
    }

    private static List<string> Names(IEnumerable<V1Pod> pods) => [.. pods.Select(p => p.Metadata.Name).Order()];

    private static V1Pod Pod(string ns, string name, string? owner = null, bool controller = true, string? node = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            NamespaceProperty = ns,
            Name = name,
            OwnerReferences = owner is null ? null : [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = owner, Uid = owner, Controller = controller }],
        },
        Spec = new V1PodSpec { NodeName = node },
    };
}
