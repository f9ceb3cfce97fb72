using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>Two API servers on one datastore behave as one: reads, watches, resumed watches, shared PKI, namespace finalization.</summary>
public sealed class MultiServerTests
{
    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    private static async Task<string> NamespaceAsync(ApiClient client, string name)
    {
        var created = await client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(201, created.Code);
        return name;
    }

    [Fact]
    public async Task StartAsync_TwoServersTogether_ShareCasKeysAndOneSetOfSystemObjects()
    {
        await using var group = await ServerGroup.StartAsync(2);
        var (a, b) = (group.Host(0).Pki, group.Host(1).Pki);

        Assert.Equal(a.ServerCaPem, b.ServerCaPem);
        Assert.Equal(a.ClientCaPem, b.ClientCaPem);
        Assert.Equal(a.AdminToken, b.AdminToken);
        Assert.Equal(a.JoinToken, b.JoinToken);
        Assert.Equal(group.Token, a.JoinToken.Secret);
        Assert.Equal(a.ServiceAccountKey.ExportSubjectPublicKeyInfo(), b.ServiceAccountKey.ExportSubjectPublicKeyInfo());
        // Each server has its own serving certificate, from the shared CA.
        Assert.NotEqual(a.ServingCertificate.Thumbprint, b.ServingCertificate.Thumbprint);
        Assert.True(CertificateIssuer.IsSignedBy(b.ServingCertificate, a.ServerCa));
        Assert.True(CertificateIssuer.IsSignedBy(a.AdminCertificate, b.ClientCa));
        var services = await group.Client(1).GetAsync("/api/v1/namespaces/default/services");
        Assert.Single(services.Object["items"]!.AsArray(), s => ApiResponse.Str(s!["metadata"]!["name"]) == "kubernetes");
    }

    [Fact]
    public async Task Client_OfOneServer_IsTrustedByTheOther()
    {
        await using var group = await ServerGroup.StartAsync(2);
        using var crossed = new ApiClient(group.Host(1).Url, group.Host(0).Pki.ServerCaPem, group.Host(0).Pki.AdminToken);

        var response = await crossed.GetAsync("/api/v1/namespaces/kube-system");

        Assert.Equal(200, response.Code);
    }

    [Fact]
    public async Task Create_OnServerA_IsReadAndListedOnServerB()
    {
        await using var group = await ServerGroup.StartAsync(2);
        var ns = await NamespaceAsync(group.Client(0), "shared");
        var created = await group.Client(0).PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("one", value: "from-a"));
        Assert.Equal(201, created.Code);

        var read = await group.Client(1).GetAsync($"{ConfigMaps(ns)}/one");
        var list = await group.Client(1).GetAsync(ConfigMaps(ns));

        Assert.Equal(200, read.Code);
        Assert.Equal("from-a", ApiResponse.Str(read.Object["data"]!["key"]));
        Assert.Equal(created.ResourceVersion, read.ResourceVersion);
        Assert.Single(list.Object["items"]!.AsArray());
    }

    [Fact]
    public async Task Update_WithStaleResourceVersionFromOtherServer_Is409()
    {
        await using var group = await ServerGroup.StartAsync(2);
        var ns = await NamespaceAsync(group.Client(0), "conflict");
        var created = await group.Client(0).PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("c"));
        Assert.Equal(200, (await group.Client(0).PatchAsync($"{ConfigMaps(ns)}/c", "{\"data\":{\"key\":\"a\"}}", ApiClient.MergePatch)).Code);

        var stale = created.Object.DeepClone().AsObject();
        stale["data"] = new JsonObject { ["key"] = "b" };
        var response = await group.Client(1).PutAsync($"{ConfigMaps(ns)}/c", stale);

        ApiAssert.Failure(response, 409, "Conflict");
    }

    [Fact]
    public async Task Watch_OnServerB_SeesCreateOnServerA()
    {
        await using var group = await ServerGroup.StartAsync(2);
        var ns = await NamespaceAsync(group.Client(0), "watched");
        var rv = (await group.Client(1).GetAsync(ConfigMaps(ns))).ResourceVersion;
        await using var watch = await group.Client(1).WatchAsync($"{ConfigMaps(ns)}?watch=true&resourceVersion={rv}", CancellationToken.None);

        Assert.Equal(201, (await group.Client(0).PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("seen"))).Code);
        var e = await watch.NextAsync();

        Assert.Equal("ADDED", ApiResponse.Str(e!["type"]));
        Assert.Equal("seen", ApiResponse.Str(e["object"]!["metadata"]!["name"]));
    }

    [Fact]
    public async Task Watch_ResumedOnServerBFromLastVersionSeenOnStoppedA_MissesNothing()
    {
        await using var group = await ServerGroup.StartAsync(2);
        var ns = await NamespaceAsync(group.Client(0), "resume");
        var rv = (await group.Client(0).GetAsync(ConfigMaps(ns))).ResourceVersion;
        string lastSeen;
        await using (var onA = await group.Client(0).WatchAsync($"{ConfigMaps(ns)}?watch=true&resourceVersion={rv}", CancellationToken.None))
        {
            Assert.Equal(201, (await group.Client(0).PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("before"))).Code);
            lastSeen = ApiResponse.Str((await onA.NextAsync())!["object"]!["metadata"]!["resourceVersion"])!;
        }

        // Changes land while no watch is open, and server A goes away.
        Assert.Equal(201, (await group.Client(1).PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("during"))).Code);
        Assert.Equal(200, (await group.Client(1).DeleteAsync($"{ConfigMaps(ns)}/before")).Code);
        await group.StopAsync(0);

        await using var onB = await group.Client(1).WatchAsync($"{ConfigMaps(ns)}?watch=true&resourceVersion={lastSeen}", CancellationToken.None);
        var first = await onB.NextAsync();
        var second = await onB.NextAsync();

        Assert.Equal(("ADDED", "during"), (ApiResponse.Str(first!["type"]), ApiResponse.Str(first["object"]!["metadata"]!["name"])));
        Assert.Equal(("DELETED", "before"), (ApiResponse.Str(second!["type"]), ApiResponse.Str(second["object"]!["metadata"]!["name"])));
    }

    [Fact]
    public async Task DeleteNamespace_FinalizedThroughTheOtherServer_GoneOnBoth()
    {
        await using var group = await ServerGroup.StartAsync(2);
        var ns = await NamespaceAsync(group.Client(0), "doomed");
        Assert.Equal(201, (await group.Client(0).PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("cm"))).Code);

        Assert.Equal(200, (await group.Client(1).DeleteAsync($"/api/v1/namespaces/{ns}")).Code);
        Assert.Equal("Terminating", ApiResponse.Str((await group.Client(0).GetAsync($"/api/v1/namespaces/{ns}")).Object["status"]!["phase"]));
        Assert.Equal(200, (await group.Client(0).DeleteAsync($"{ConfigMaps(ns)}/cm")).Code);
        Assert.Equal(200, (await NamespaceLifecycleTests.FinalizeAsync(group.Client(1), ns)).Code);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await group.Client(0).GetAsync($"/api/v1/namespaces/{ns}")).Code != 404)
        {
            Assert.True(DateTime.UtcNow < deadline, "the namespace was not removed in time");
            await Task.Delay(100);
        }
    }
}
