using System.Text;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.Encryption;

/// <summary>Secrets through the HTTP surface: ciphertext in the store, plaintext to clients; an unreadable one fails alone.</summary>
public sealed class EncryptionAtRestTests(EncryptedApiServerFixture fx) : IClassFixture<EncryptedApiServerFixture>
{
    private const string Password = "hunter2-very-secret";
    private static readonly string Encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(Password));

    internal static JsonObject Secret(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["password"] = Encoded },
    };

    private async Task<string> RawAsync(string key) =>
        Encoding.Latin1.GetString((await fx.Store.GetAsync(key, CancellationToken.None))!.Value.Span);

    [Fact]
    public async Task CreateSecret_StoredEncrypted_GetReturnsValue()
    {
        var ns = await fx.NamespaceAsync("enc");

        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", Secret("s1")));

        var raw = await RawAsync($"/registry/secrets/{ns}/s1");
        Assert.StartsWith("k8s:enc:aescbc:v1:aescbckey:", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Encoded, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\"s1\"", raw, StringComparison.Ordinal);
        var got = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/s1");
        ApiAssert.Code(200, got);
        Assert.Equal(Encoded, ApiResponse.Str(got.Object["data"]!["password"]));
        var list = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets");
        Assert.Equal(Encoded, ApiResponse.Str(list.Object["items"]![0]!["data"]!["password"]));
    }

    [Fact]
    public async Task CreateConfigMap_NotListed_StoredAsPlainJson()
    {
        // The raw check above can see plaintext: a resource the config leaves out shows it.
        var ns = await fx.NamespaceAsync("plain");

        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("c1", value: Password)));

        Assert.Contains(Password, await RawAsync($"/registry/configmaps/{ns}/c1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretUnderUnknownKey_Gets500_OtherObjectsServe()
    {
        var ns = await fx.NamespaceAsync("lost");
        var other = await fx.NamespaceAsync("fine");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", Secret("kept")));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{other}/secrets", Secret("other")));
        var lost = Encoding.ASCII.GetBytes("k8s:enc:aescbc:v1:retired:0123456789abcdef0123456789abcdef");
        Assert.True((await fx.Store.CreateAsync($"/registry/secrets/{ns}/lost", lost, CancellationToken.None)).Succeeded);

        var broken = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/lost");

        ApiAssert.Failure(broken, 500, "InternalError", $"unable to transform key \"/registry/secrets/{ns}/lost\": no matching prefix found");
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/kept"));
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{other}/secrets"));
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{other}/secrets?resourceVersion=0"));
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps"));
        // As upstream: a list that holds the unreadable object fails as a whole, with the same message.
        ApiAssert.Failure(await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets"), 500, "InternalError", "no matching prefix found");
        // The watch cache went past the unreadable event: later writes still serve.
        var later = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", Secret("later"));
        ApiAssert.Code(201, later);
        // At the write's own revision: the cache must reach it ("0" could answer from before it).
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/later?resourceVersion={later.ResourceVersion}"));
        ApiAssert.Code(200, await fx.Client.DeleteAsync($"/api/v1/namespaces/{other}/secrets/other"));
        // Deleting the unreadable object is refused as upstream (without its unsafe-delete option), and nothing is removed.
        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/secrets/lost"));
        ApiAssert.Failure(refused, 500, "InternalError", "no matching prefix found");
        Assert.NotNull(await fx.Store.GetAsync($"/registry/secrets/{ns}/lost", CancellationToken.None));
    }

    [Fact]
    public async Task Metrics_ShowHashOfConfigInForce()
    {
        var metrics = await fx.Client.GetAsync("/metrics");

        Assert.Contains($"apiserver_encryption_config_controller_last_config_info{{hash=\"{await fx.KeyFile.HashAsync(CancellationToken.None)}\"}} 1", metrics.Text, StringComparison.Ordinal);
    }
}
