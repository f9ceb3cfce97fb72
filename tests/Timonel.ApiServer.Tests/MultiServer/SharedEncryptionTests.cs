using System.Text;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Encryption;
using Timonel.ApiServer.Tests.Api;
using Timonel.ApiServer.Tests.Encryption;
using Xunit;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>Servers on one datastore without --encryption-provider-config share the first server's generated key.</summary>
public sealed class SharedEncryptionTests
{
    private static async Task<string> NamespaceAsync(ApiClient client, string name)
    {
        ApiAssert.Code(201, await client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }));
        return name;
    }

    private static async Task<string> RawAsync(ServerGroup group, string key) =>
        Encoding.Latin1.GetString((await group.Store.GetAsync(key, CancellationToken.None))!.Value.Span);

    [Fact]
    public async Task Secret_WrittenOnOneServer_StoredEncryptedAndReadOnTheOther()
    {
        await using var group = await ServerGroup.StartAsync(2, generatedEncryption: true);
        var ns = await NamespaceAsync(group.Client(0), "shared-enc");

        ApiAssert.Code(201, await group.Client(0).PostAsync($"/api/v1/namespaces/{ns}/secrets", EncryptionAtRestTests.Secret("s1")));

        var raw = await RawAsync(group, $"/registry/secrets/{ns}/s1");
        Assert.StartsWith("k8s:enc:aescbc:v1:aescbckey:", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", raw, StringComparison.Ordinal);
        var read = await group.Client(1).GetAsync($"/api/v1/namespaces/{ns}/secrets/s1");
        ApiAssert.Code(200, read);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2-very-secret")), ApiResponse.Str(read.Object["data"]!["password"]));
        Assert.Equal(
            await File.ReadAllTextAsync(EncryptionKeyFile.DefaultPath(group.DataDir(0))),
            await File.ReadAllTextAsync(EncryptionKeyFile.DefaultPath(group.DataDir(1))));
    }

    [Fact]
    public async Task Join_LaterServerWithoutTheFile_WritesTheClustersKeyAndReadsOldSecrets()
    {
        await using var group = await ServerGroup.StartAsync(1, generatedEncryption: true);
        var ns = await NamespaceAsync(group.Client(0), "late-join");
        ApiAssert.Code(201, await group.Client(0).PostAsync($"/api/v1/namespaces/{ns}/secrets", EncryptionAtRestTests.Secret("before")));

        var late = await group.AddAsync(group.Token);

        ApiAssert.Code(200, await group.Client(late).GetAsync($"/api/v1/namespaces/{ns}/secrets/before"));
        ApiAssert.Code(201, await group.Client(late).PostAsync($"/api/v1/namespaces/{ns}/secrets", EncryptionAtRestTests.Secret("after")));
        Assert.StartsWith("k8s:enc:aescbc:v1:aescbckey:", await RawAsync(group, $"/registry/secrets/{ns}/after"), StringComparison.Ordinal);
        ApiAssert.Code(200, await group.Client(0).GetAsync($"/api/v1/namespaces/{ns}/secrets/after"));
    }

    [Fact]
    public async Task Join_RecordFromBeforeSharing_StoresSecretsAsBeforeInsteadOfAKeyOfItsOwn()
    {
        // The first server wrote its record without a key (a cluster made before keys were shared).
        await using var group = await ServerGroup.StartAsync(1);
        var ns = await NamespaceAsync(group.Client(0), "legacy");
        group.GeneratedEncryption = true;

        var late = await group.AddAsync(group.Token);
        ApiAssert.Code(201, await group.Client(late).PostAsync($"/api/v1/namespaces/{ns}/secrets", EncryptionAtRestTests.Secret("plain")));

        Assert.False(File.Exists(EncryptionKeyFile.DefaultPath(group.DataDir(late))));
        Assert.StartsWith("{", await RawAsync(group, $"/registry/secrets/{ns}/plain"), StringComparison.Ordinal);
        ApiAssert.Code(200, await group.Client(0).GetAsync($"/api/v1/namespaces/{ns}/secrets/plain"));
    }

    [Fact]
    public void Generate_Twice_GivesDifferentValidKeys()
    {
        var a = EncryptionKeyFile.Generate();
        var b = EncryptionKeyFile.Generate();

        Assert.NotEqual(a, b);
        Assert.Single(EncryptionConfigParser.Parse(a, "a").Rules, r => r.Covers("", "secrets"));
        Assert.Contains("\"aescbc\"", Encoding.UTF8.GetString(b), StringComparison.Ordinal);
    }
}
