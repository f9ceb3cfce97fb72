using System.Text.Json.Nodes;
using Timonel.ApiServer.Admission;
using Timonel.ApiServer.Tests.Api;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>A second ServiceCIDR extends a full range; old ClusterIP claims become IPAddress objects on start.</summary>
public sealed class ServiceCidrRangeTests
{
    // A /29 holds 6 addresses; the kubernetes service takes the first (kube-dns's .10 is outside it).
    private static readonly ServiceNetwork Tiny = ServiceNetwork.Parse("10.96.0.0/29", "30000-30019");

    private const string Addresses = "/apis/networking.k8s.io/v1/ipaddresses";

    private static string Services(string ns) => $"/api/v1/namespaces/{ns}/services";

    private static async Task<string> NamespaceAsync(ApiClient client, string name)
    {
        Assert.Equal(201, (await client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } })).Code);
        return name;
    }

    [Fact]
    public async Task CreateService_RangeFullThenSecondServiceCidrApplied_GetsAddressFromIt()
    {
        await using var group = await ServerGroup.StartAsync(1, Tiny);
        var client = group.Client(0);
        var ns = await NamespaceAsync(client, "fill");
        var kubectl = new KubectlRunner(KubectlRunner.Latest, group.Host(0).KubeconfigPath, Directory.CreateTempSubdirectory("svccidr-fill-").FullName);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(201, (await client.PostAsync(Services(ns), TestObjects.Service($"s{i}"))).Code);
        }

        var full = await client.PostAsync(Services(ns), TestObjects.Service("next"));
        Assert.Equal(500, full.Code);
        Assert.Contains("service CIDR is full", full.Message, StringComparison.Ordinal);
        Assert.Equal(404, (await client.GetAsync($"{Services(ns)}/next")).Code);

        var apply = await kubectl.RunAsync(["apply", "-f", "-"], """
            apiVersion: networking.k8s.io/v1
            kind: ServiceCIDR
            metadata:
              name: extra
            spec:
              cidrs: ["10.97.0.0/24"]
            """);
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        var next = await client.PostAsync(Services(ns), TestObjects.Service("next"));
        var listed = await kubectl.RunAsync("get", "servicecidrs");

        Assert.Equal(201, next.Code);
        var ip = ApiResponse.Str(next.Object["spec"]!["clusterIP"])!;
        Assert.StartsWith("10.97.0.", ip, StringComparison.Ordinal);
        Assert.Equal(200, (await client.GetAsync($"{Addresses}/{ip}")).Code);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Contains(listed.Stdout.Split('\n'), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["extra", "10.97.0.0/24", ..]);
    }

    [Fact]
    public async Task Start_DataDirWithOldClusterIpClaims_MigratesThemToIpAddresses()
    {
        var store = new MemoryStore();
        var old = ServiceAllocations.LegacyIpPrefix + "10.96.0.5";
        await store.CreateAsync(old, "legacy/svc"u8.ToArray(), CancellationToken.None);

        await using var group = await ServerGroup.StartAsync(1, Tiny, store);
        var client = group.Client(0);
        var ns = await NamespaceAsync(client, "legacy");
        var address = await client.GetAsync($"{Addresses}/10.96.0.5");
        var taken = await client.PostAsync(Services(ns), TestObjects.Service("copy", clusterIp: "10.96.0.5"));

        Assert.Equal(200, address.Code);
        var parent = address.Object["spec"]!["parentRef"]!;
        Assert.Equal(("services", "legacy", "svc"), (ApiResponse.Str(parent["resource"]), ApiResponse.Str(parent["namespace"]), ApiResponse.Str(parent["name"])));
        Assert.Null(await store.GetAsync(old, CancellationToken.None));
        ApiAssert.Failure(taken, 422, "Invalid", "provided IP is already allocated");
        // Every other address is still free: the migration claimed only what was claimed.
        Assert.Equal(201, (await client.PostAsync(Services(ns), TestObjects.Service("free", clusterIp: "10.96.0.6"))).Code);
    }
}
