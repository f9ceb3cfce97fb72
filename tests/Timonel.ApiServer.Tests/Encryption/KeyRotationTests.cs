using System.Text;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.Encryption;

/// <summary>secrets-encrypt's flow against a running server: prepare, rotate, reencrypt, with every Secret readable throughout.</summary>
public sealed class KeyRotationTests(EncryptedApiServerFixture fx) : IClassFixture<EncryptedApiServerFixture>
{
    private static CancellationToken Ct => CancellationToken.None;

    private async Task<string> RawAsync(string ns, string name) =>
        Encoding.Latin1.GetString((await fx.Store.GetAsync($"/registry/secrets/{ns}/{name}", Ct))!.Value.Span);

    private async Task AssertAllReadableAsync(string ns, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var got = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/{name}");
            ApiAssert.Code(200, got);
            Assert.NotNull(got.Object["data"]!["password"]);
        }
    }

    [Fact]
    public async Task PrepareRotateReencrypt_EverySecretEndsUnderNewKey_ReadableThroughout()
    {
        var ns = await fx.NamespaceAsync("rotate");
        string[] names = ["a", "b", "c"];
        foreach (var name in names)
        {
            ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", EncryptionAtRestTests.Secret(name)));
        }

        var newKey = await fx.KeyFile.PrepareAsync(TimeProvider.System, Ct);
        await fx.WaitForReloadAsync();
        await AssertAllReadableAsync(ns, names);
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", EncryptionAtRestTests.Secret("during-prepare")));
        Assert.StartsWith("k8s:enc:aescbc:v1:aescbckey:", await RawAsync(ns, "during-prepare"), StringComparison.Ordinal);

        Assert.Equal(newKey, await fx.KeyFile.RotateAsync(Ct));
        await fx.WaitForReloadAsync();
        names = [.. names, "during-prepare"];
        await AssertAllReadableAsync(ns, names);
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", EncryptionAtRestTests.Secret("after-rotate")));
        Assert.StartsWith($"k8s:enc:aescbc:v1:{newKey}:", await RawAsync(ns, "after-rotate"), StringComparison.Ordinal);
        Assert.StartsWith("k8s:enc:aescbc:v1:aescbckey:", await RawAsync(ns, "a"), StringComparison.Ordinal);

        // reencrypt: every Secret written back unchanged; a value under the old key is stale, so
        // the unchanged update is still written (a new resourceVersion), now under the new key.
        foreach (var name in names)
        {
            var current = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/{name}");
            var replaced = await fx.Client.PutAsync($"/api/v1/namespaces/{ns}/secrets/{name}", current.Object);
            ApiAssert.Code(200, replaced);
            Assert.NotEqual(current.ResourceVersion, replaced.ResourceVersion);
        }

        var fresh = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/after-rotate");
        var unchanged = await fx.Client.PutAsync($"/api/v1/namespaces/{ns}/secrets/after-rotate", fresh.Object);
        Assert.Equal(fresh.ResourceVersion, unchanged.ResourceVersion);
        foreach (var name in names)
        {
            Assert.StartsWith($"k8s:enc:aescbc:v1:{newKey}:", await RawAsync(ns, name), StringComparison.Ordinal);
        }

        Assert.Equal(["aescbckey"], await fx.KeyFile.FinishReencryptAsync(Ct));
        await fx.WaitForReloadAsync();
        await AssertAllReadableAsync(ns, [.. names, "after-rotate"]);
        Assert.Equal("reencrypt_finished", await fx.KeyFile.ReadStageAsync(Ct));
        Assert.Equal([newKey], (await fx.KeyFile.ReadKeysAsync(Ct)).Keys);
    }

    [Fact]
    public async Task Rotate_WithoutPrepare_RefusedAndFileUnchanged()
    {
        var before = await fx.KeyFile.HashAsync(Ct);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => fx.KeyFile.RotateAsync(Ct));

        Assert.Contains("run prepare first", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await fx.KeyFile.HashAsync(Ct));
    }
}
