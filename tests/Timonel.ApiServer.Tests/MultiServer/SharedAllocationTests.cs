using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Admission;
using Timonel.ApiServer.Tests.Api;
using Timonel.Registry.Resources;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>ClusterIPs and NodePorts stay unique when several servers allocate at once; the repair pass mends claims.</summary>
public sealed class SharedAllocationTests
{
    // A /27 holds 30 addresses; the kubernetes service takes the first and kube-dns the tenth.
    private static readonly ServiceNetwork Small = ServiceNetwork.Parse("10.96.0.0/27", "30000-30019");

    private static string Services(string ns) => $"/api/v1/namespaces/{ns}/services";

    private static async Task<string> NamespaceAsync(ApiClient client, string name)
    {
        Assert.Equal(201, (await client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } })).Code);
        return name;
    }

    [Fact]
    public async Task Create_ConcurrentlyOnTwoServersUntilCidrIsFull_EveryAddressOnceThenFull()
    {
        await using var group = await ServerGroup.StartAsync(2, Small);
        var ns = await NamespaceAsync(group.Client(0), "race");

        var created = await Task.WhenAll(Enumerable.Range(0, 28).Select(i => group.Client(i % 2).PostAsync(Services(ns), TestObjects.Service($"s{i}"))));
        var overflow = await group.Client(1).PostAsync(Services(ns), TestObjects.Service("overflow"));

        Assert.All(created, r => Assert.Equal(201, r.Code));
        var ips = created.Select(r => ApiResponse.Str(r.Object["spec"]!["clusterIP"])).ToList();
        Assert.Equal(28, ips.Distinct().Count());
        Assert.DoesNotContain("10.96.0.1", ips);
        Assert.DoesNotContain("10.96.0.10", ips);
        Assert.Equal(500, overflow.Code);
        Assert.Contains("service CIDR is full", overflow.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NodePortsConcurrentlyOnTwoServers_NoPortTwice()
    {
        await using var group = await ServerGroup.StartAsync(2, Small);
        var ns = await NamespaceAsync(group.Client(0), "ports");

        var created = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => group.Client(i % 2).PostAsync(Services(ns), TestObjects.Service($"np{i}", type: "NodePort"))));

        Assert.All(created, r => Assert.Equal(201, r.Code));
        Assert.Equal(20, created.Select(r => (long)r.Object["spec"]!["ports"]![0]!["nodePort"]!).Distinct().Count());
    }

    [Fact]
    public async Task Create_SameExplicitIpOnBothServersAtOnce_ExactlyOneWins()
    {
        await using var group = await ServerGroup.StartAsync(2, Small);
        var ns = await NamespaceAsync(group.Client(0), "explicit");

        var results = await Task.WhenAll(
            group.Client(0).PostAsync(Services(ns), TestObjects.Service("left", clusterIp: "10.96.0.20")),
            group.Client(1).PostAsync(Services(ns), TestObjects.Service("right", clusterIp: "10.96.0.20")));

        Assert.Single(results, r => r.Code == 201);
        ApiAssert.Failure(results.Single(r => r.Code != 201), 422, "Invalid", "already allocated");
    }

    [Fact]
    public async Task Delete_OnOneServer_FreesTheAddressForTheOther()
    {
        await using var group = await ServerGroup.StartAsync(2, Small);
        var ns = await NamespaceAsync(group.Client(0), "reuse");
        Assert.Equal(201, (await group.Client(0).PostAsync(Services(ns), TestObjects.Service("old", type: "NodePort", clusterIp: "10.96.0.9", nodePort: 30009))).Code);
        ApiAssert.Failure(await group.Client(1).PostAsync(Services(ns), TestObjects.Service("new", clusterIp: "10.96.0.9")), 422, "Invalid", "already allocated");

        Assert.Equal(200, (await group.Client(1).DeleteAsync($"{Services(ns)}/old")).Code);
        var reused = await group.Client(0).PostAsync(Services(ns), TestObjects.Service("new", type: "NodePort", clusterIp: "10.96.0.9", nodePort: 30009));

        Assert.Equal(201, reused.Code);
    }

    [Fact]
    public async Task Repair_ServicesWithoutClaims_ClaimsTheirValues()
    {
        await using var group = await ServerGroup.StartAsync(1, Small);
        var ns = await NamespaceAsync(group.Client(0), "legacy");
        Assert.Equal(201, (await group.Client(0).PostAsync(Services(ns), TestObjects.Service("svc", type: "NodePort", clusterIp: "10.96.0.7", nodePort: 30007))).Code);
        // As in a data dir written before claims existed, or a migrated datastore.
        foreach (var key in new[] { ServiceAllocations.IpPrefix + "10.96.0.7", ServiceAllocations.NodePortPrefix + "30007" })
        {
            Assert.True((await group.Store.DeleteAsync(key, 0, CancellationToken.None)).Succeeded);
        }

        var (claimed, freed) = await NewRepair(group.Store).RepairAsync(CancellationToken.None);

        Assert.Equal((2, 0), (claimed, freed));
        ApiAssert.Failure(await group.Client(0).PostAsync(Services(ns), TestObjects.Service("copy", clusterIp: "10.96.0.7")), 422, "Invalid", "already allocated");
    }

    [Fact]
    public async Task Repair_LeakedClaim_IsFreedOnlyAfterThreePasses()
    {
        var store = new MemoryStore();
        var repair = NewRepair(store);
        var leak = ServiceAllocations.IpPrefix + "10.96.0.5";
        await store.CreateAsync(leak, IpAddressClaim("10.96.0.5", "crashed", "svc"), CancellationToken.None);

        var passes = new List<int>();
        for (var i = 0; i < AllocationRepair.PassesBeforeLeakCleanup; i++)
        {
            passes.Add((await repair.RepairAsync(CancellationToken.None)).Freed);
        }

        Assert.Equal([0, 0, 1], passes);
        Assert.Null(await store.GetAsync(leak, CancellationToken.None));
    }

    [Fact]
    public async Task Repair_ClaimWhoseServiceAppearsBetweenPasses_IsKept()
    {
        var store = new MemoryStore();
        var repair = NewRepair(store);
        var claim = ServiceAllocations.IpPrefix + "10.96.0.6";
        await store.CreateAsync(claim, IpAddressClaim("10.96.0.6", "ns", "late"), CancellationToken.None);
        await repair.RepairAsync(CancellationToken.None);
        await repair.RepairAsync(CancellationToken.None);

        // The create that claimed it writes its Service now (it was in flight).
        var services = ResourceCatalog.Default.Find("", "v1", "services")!;
        await store.CreateAsync(services.KeyFor("ns", "late"), System.Text.Encoding.UTF8.GetBytes("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"late","namespace":"ns"},"spec":{"clusterIP":"10.96.0.6"}}"""), CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await repair.RepairAsync(CancellationToken.None)).Freed);
        }

        Assert.NotNull(await store.GetAsync(claim, CancellationToken.None));
    }

    /// <summary>An IPAddress as the allocator writes it: the claim of <paramref name="ip"/> for Service ns/name.</summary>
    private static byte[] IpAddressClaim(string ip, string ns, string name) => System.Text.Encoding.UTF8.GetBytes(
        "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"IPAddress\",\"metadata\":{\"name\":\"" + ip + "\",\"labels\":{\"ipaddress.kubernetes.io/ip-family\":\"IPv4\",\"ipaddress.kubernetes.io/managed-by\":\"ipallocator.k8s.io\"}},"
        + "\"spec\":{\"parentRef\":{\"group\":\"\",\"resource\":\"services\",\"namespace\":\"" + ns + "\",\"name\":\"" + name + "\"}}}");

    private static AllocationRepair NewRepair(IStore store)
    {
        var services = ResourceCatalog.Default.Find("", "v1", "services")!;
        var allocations = new ServiceAllocations(Small, store, services, new Random(1), NullLogger.Instance);
        return new AllocationRepair(allocations, store, services, NullLogger.Instance);
    }
}
