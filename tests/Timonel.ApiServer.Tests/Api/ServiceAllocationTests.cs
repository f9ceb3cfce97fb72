using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Service ClusterIP and NodePort allocation: ranges, explicit values, duplicates, release, dry run.</summary>
public sealed class ServiceAllocationTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string Services(string ns) => $"/api/v1/namespaces/{ns}/services";

    private static string? ClusterIp(ApiResponse r) => ApiResponse.Str(r.Object["spec"]!["clusterIP"]);

    private static long? NodePort(ApiResponse r) => (long?)r.Object["spec"]!["ports"]![0]!["nodePort"];

    [Fact]
    public async Task Create_ClusterIpService_GetsAddressFromServiceCidr()
    {
        var ns = await fx.NamespaceAsync("svc");

        var first = await fx.Client.PostAsync(Services(ns), TestObjects.Service("a"));
        var second = await fx.Client.PostAsync(Services(ns), TestObjects.Service("b"));

        Assert.Equal(201, first.Code);
        Assert.Equal(201, second.Code);
        foreach (var ip in new[] { ClusterIp(first), ClusterIp(second) })
        {
            var bytes = IPAddress.Parse(ip!).GetAddressBytes();
            Assert.Equal([10, 43], bytes[..2]);
            Assert.NotEqual("10.43.0.1", ip);
        }

        Assert.NotEqual(ClusterIp(first), ClusterIp(second));
        Assert.Equal(ClusterIp(first), ApiResponse.Str(first.Object["spec"]!["clusterIPs"]![0]));
        Assert.Null(NodePort(first));
    }

    [Fact]
    public async Task Bootstrap_KubernetesService_HoldsFirstAddress()
    {
        var response = await fx.Client.GetAsync("/api/v1/namespaces/default/services/kubernetes");

        Assert.Equal("10.43.0.1", ClusterIp(response));
    }

    [Fact]
    public async Task Create_ExplicitClusterIp_IsHonouredAndDuplicateIs422()
    {
        var ns = await fx.NamespaceAsync("svc");

        var first = await fx.Client.PostAsync(Services(ns), TestObjects.Service("fixed", clusterIp: "10.43.200.10"));
        var duplicate = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Services(ns), TestObjects.Service("copy", clusterIp: "10.43.200.10")));

        Assert.Equal(201, first.Code);
        Assert.Equal("10.43.200.10", ClusterIp(first));
        ApiAssert.Failure(duplicate, 422, "Invalid", "10.43.200.10", "already allocated");
        Assert.Equal(404, (await fx.Client.GetAsync($"{Services(ns)}/copy")).Code);
    }

    [Fact]
    public async Task Create_ClusterIpOutsideCidr_Is422()
    {
        var ns = await fx.NamespaceAsync("svc");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Services(ns), TestObjects.Service("outside", clusterIp: "10.99.0.5")));

        ApiAssert.Failure(response, 422, "Invalid", "10.99.0.5", "range");
    }

    [Fact]
    public async Task Create_Headless_KeepsNone()
    {
        var ns = await fx.NamespaceAsync("svc");

        var response = await fx.Client.PostAsync(Services(ns), TestObjects.Service("headless", clusterIp: "None"));

        Assert.Equal(201, response.Code);
        Assert.Equal("None", ClusterIp(response));
    }

    [Fact]
    public async Task Create_NodePortService_GetsPortInRange()
    {
        var ns = await fx.NamespaceAsync("svc");

        var response = await fx.Client.PostAsync(Services(ns), TestObjects.Service("np", type: "NodePort"));

        Assert.Equal(201, response.Code);
        Assert.InRange(NodePort(response) ?? 0, 30000, 32767);
        Assert.StartsWith("10.43.", ClusterIp(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_DuplicateExplicitNodePort_Is422()
    {
        var ns = await fx.NamespaceAsync("svc");
        Assert.Equal(30111, NodePort(await fx.Client.PostAsync(Services(ns), TestObjects.Service("np1", type: "NodePort", nodePort: 30111))));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Services(ns), TestObjects.Service("np2", type: "NodePort", nodePort: 30111)));

        ApiAssert.Failure(response, 422, "Invalid", "nodePort", "already allocated");
    }

    [Fact]
    public async Task Delete_Service_ReleasesIpAndPort()
    {
        var ns = await fx.NamespaceAsync("svc");
        var created = await fx.Client.PostAsync(Services(ns), TestObjects.Service("gone", type: "NodePort", clusterIp: "10.43.200.20", nodePort: 30222));
        Assert.Equal(201, created.Code);
        Assert.Equal(200, (await fx.Client.DeleteAsync($"{Services(ns)}/gone")).Code);

        var reused = await fx.Client.PostAsync(Services(ns), TestObjects.Service("reuse", type: "NodePort", clusterIp: "10.43.200.20", nodePort: 30222));

        Assert.Equal(201, reused.Code);
        Assert.Equal("10.43.200.20", ClusterIp(reused));
        Assert.Equal(30222, NodePort(reused));
    }

    [Fact]
    public async Task Create_FailedAfterAllocation_ReleasesWhatItReserved()
    {
        var ns = await fx.NamespaceAsync("svc");
        Assert.Equal(201, (await fx.Client.PostAsync(Services(ns), TestObjects.Service("taken", clusterIp: "10.43.200.40"))).Code);

        var clash = await fx.Client.PostAsync(Services(ns), TestObjects.Service("taken", type: "NodePort", clusterIp: "10.43.200.41", nodePort: 30241));
        var after = await fx.Client.PostAsync(Services(ns), TestObjects.Service("free", type: "NodePort", clusterIp: "10.43.200.41", nodePort: 30241));

        ApiAssert.Failure(clash, 409, "AlreadyExists");
        Assert.Equal(201, after.Code);
    }

    [Fact]
    public async Task Create_DryRun_AllocatesNothing()
    {
        var ns = await fx.NamespaceAsync("svc");

        var dry = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{Services(ns)}?dryRun=All", TestObjects.Service("dry", type: "NodePort", clusterIp: "10.43.200.30", nodePort: 30333)));
        var real = await fx.Client.PostAsync(Services(ns), TestObjects.Service("real", type: "NodePort", clusterIp: "10.43.200.30", nodePort: 30333));

        Assert.Equal(201, dry.Code);
        Assert.Equal("10.43.200.30", ClusterIp(dry));
        Assert.Equal(201, real.Code);
    }

    [Fact]
    public async Task Create_DryRunWithTakenIp_Is422()
    {
        var ns = await fx.NamespaceAsync("svc");
        Assert.Equal(201, (await fx.Client.PostAsync(Services(ns), TestObjects.Service("owner", clusterIp: "10.43.200.50"))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{Services(ns)}?dryRun=All", TestObjects.Service("dry", clusterIp: "10.43.200.50")));

        ApiAssert.Failure(response, 422, "Invalid", "already allocated");
    }

    [Fact]
    public async Task Update_NodePortToClusterIp_ReleasesPort()
    {
        var ns = await fx.NamespaceAsync("svc");
        Assert.Equal(201, (await fx.Client.PostAsync(Services(ns), TestObjects.Service("switch", type: "NodePort", nodePort: 30444))).Code);

        var patched = await fx.Client.PatchAsync($"{Services(ns)}/switch", "{\"spec\":{\"type\":\"ClusterIP\",\"externalTrafficPolicy\":null,\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"}]}}", ApiClient.MergePatch);
        var reuse = await fx.Client.PostAsync(Services(ns), TestObjects.Service("next", type: "NodePort", nodePort: 30444));

        ApiAssert.Code(200, patched);
        Assert.Null(NodePort(patched));
        Assert.Equal(201, reuse.Code);
    }

    [Fact]
    public async Task Patch_OnlyTypeToClusterIp_DropsNodePortsAndTrafficPolicyAndReleasesPort()
    {
        var ns = await fx.NamespaceAsync("svc");
        Assert.Equal(201, (await fx.Client.PostAsync(Services(ns), TestObjects.Service("retype", type: "NodePort", nodePort: 30445))).Code);

        // What `kubectl patch svc retype -p '{"spec":{"type":"ClusterIP"}}'` sends.
        var patched = await fx.Client.PatchAsync($"{Services(ns)}/retype", "{\"spec\":{\"type\":\"ClusterIP\"}}", ApiClient.MergePatch);
        var reuse = await fx.Client.PostAsync(Services(ns), TestObjects.Service("after", type: "NodePort", nodePort: 30445));

        ApiAssert.Code(200, patched);
        Assert.Null(NodePort(patched));
        Assert.Null(patched.Object!["spec"]!["externalTrafficPolicy"]);
        Assert.Equal(201, reuse.Code);
    }

    [Fact]
    public async Task Update_WithoutClusterIp_KeepsAllocatedAddress()
    {
        var ns = await fx.NamespaceAsync("svc");
        var created = await fx.Client.PostAsync(Services(ns), TestObjects.Service("keep"));
        var body = TestObjects.Service("keep");
        body["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };

        var updated = await fx.Client.PutAsync($"{Services(ns)}/keep", body);

        Assert.Equal(200, updated.Code);
        Assert.Equal(ClusterIp(created), ClusterIp(updated));
    }

    [Fact]
    public async Task Update_ToExternalName_ReleasesClusterIp()
    {
        var ns = await fx.NamespaceAsync("svc");
        Assert.Equal(201, (await fx.Client.PostAsync(Services(ns), TestObjects.Service("ext", clusterIp: "10.43.200.60"))).Code);
        const string Patch = "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"example.com\",\"clusterIP\":null,\"clusterIPs\":null,\"selector\":null}}";

        var patched = await fx.Client.PatchAsync($"{Services(ns)}/ext", Patch, ApiClient.MergePatch);
        var reuse = await fx.Client.PostAsync(Services(ns), TestObjects.Service("ip-again", clusterIp: "10.43.200.60"));

        ApiAssert.Code(200, patched);
        Assert.Null(ClusterIp(patched));
        ApiAssert.Code(201, reuse);
    }
}
