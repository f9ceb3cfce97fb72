using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Encryption;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.Encryption;

/// <summary>Reading EncryptionConfiguration files, and a server refusing to start on a bad one.</summary>
public sealed class EncryptionConfigTests : IDisposable
{
    private const string Key32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-enc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Yaml(string resources, string providers) => $"""
        apiVersion: apiserver.config.k8s.io/v1
        kind: EncryptionConfiguration
        resources:
          - resources: [{resources}]
            providers:
        {providers}
        """;

    private static EncryptionConfig Parse(string text) => EncryptionConfigParser.Parse(Encoding.UTF8.GetBytes(text), "/etc/enc.yaml");

    [Fact]
    public void Parse_YamlWithWildcards_FirstEntryCoveringAResourceWins()
    {
        var config = Parse($$$"""
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
              - resources: [events]
                providers: [{identity: {}}]
              - resources: [secrets, "*.apps"]
                providers:
                  - aesgcm: {keys: [{name: g1, secret: "{{{Key32}}}"}]}
              - resources: ["*.*"]
                providers:
                  - aescbc: {keys: [{name: c1, secret: "{{{Key32}}}"}]}
            """);

        Assert.Equal("", config.TransformerFor("", "events")!.Providers[0].Prefix);
        Assert.Equal("k8s:enc:aesgcm:v1:g1:", config.TransformerFor("", "secrets")!.Providers[0].Prefix);
        Assert.Equal("k8s:enc:aesgcm:v1:g1:", config.TransformerFor("apps", "deployments")!.Providers[0].Prefix);
        Assert.Equal("k8s:enc:aescbc:v1:c1:", config.TransformerFor("", "configmaps")!.Providers[0].Prefix);
        Assert.StartsWith("sha256:", config.Hash, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Json_Accepted()
    {
        var config = Parse($$$"""{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[{"name":"k","secret":"{{{Key32}}}"}]}},{"identity":{}}]}]}""");

        Assert.Equal(2, config.TransformerFor("", "secrets")!.Providers.Count);
        Assert.Null(config.TransformerFor("", "configmaps"));
    }

    [Theory]
    [InlineData("secrets", "      - aescbc: {keys: [{name: k, secret: AAECAwQFBgcICQoLDA0ODw==}]}", "resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\": secret is not of the expected length, got 16, expected one of [32]")]
    [InlineData("secrets", "      - aescbc: {keys: [{name: k, secret: '%%%'}]}", "secrets must be base64 encoded")]
    [InlineData("secrets", "      - aescbc: {keys: []}", "resources[0].providers[0].aescbc.keys: Required value")]
    [InlineData("secrets", "      - aescbc: {keys: [{secret: AAECAwQFBgcICQoLDA0ODw==}]}", "keys[0].name: Required value")]
    [InlineData("secrets", "      - secretbox: {keys: [{name: k, secret: AAECAwQFBgcICQoLDA0ODw==}]}", "secretbox provider")]
    [InlineData("secrets", "      - kms: {name: x, endpoint: 'unix:///tmp/kms.sock'}", "KMS providers")]
    [InlineData("secrets", "      - identity: {}\n        aescbc: {keys: []}", "more than one provider specified in a single element")]
    [InlineData("secrets", "      - {}", "provider does not contain any of the expected providers")]
    [InlineData("'*'", "      - identity: {}", "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources")]
    [InlineData("secrets, secrets", "      - identity: {}", "resources[0].resources[1]: Duplicate value: \"secrets\"")]
    public void Parse_InvalidConfig_MessageNamesFileFieldAndProblem(string resources, string providers, string problem)
    {
        var e = Assert.Throws<EncryptionConfigException>(() => Parse(Yaml(resources, providers)));

        Assert.StartsWith("--encryption-provider-config /etc/enc.yaml: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongKind_Refused()
    {
        var e = Assert.Throws<EncryptionConfigException>(() => Parse("apiVersion: v1\nkind: ConfigMap\n"));

        Assert.Contains("expected apiVersion apiserver.config.k8s.io/v1, kind EncryptionConfiguration", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_InvalidConfig_StopsBeforeOpeningStore()
    {
        var path = Path.Combine(_dir, "enc.yaml");
        await File.WriteAllTextAsync(path, Yaml("secrets", "      - aesgcm: {keys: [{name: k, secret: AAEC}]}"));
        var opened = false;

        var e = await Assert.ThrowsAsync<EncryptionConfigException>(() => ApiServerHost.StartAsync(
            new ApiServerOptions { DataDir = Path.Combine(_dir, "data"), Port = 1, EncryptionProviderConfig = path },
            _ =>
            {
                opened = true;
                return Task.FromResult<IStore>(new MemoryStore());
            },
            NullLoggerFactory.Instance,
            CancellationToken.None));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("secret is not of the expected length, got 3, expected one of [16 24 32]", e.Message, StringComparison.Ordinal);
        Assert.False(opened);
    }

    [Fact]
    public async Task StartAsync_MissingConfigFile_StopsWithReadError()
    {
        var path = Path.Combine(_dir, "absent.yaml");

        var e = await Assert.ThrowsAsync<EncryptionConfigException>(() => ApiServerHost.StartAsync(
            new ApiServerOptions { DataDir = Path.Combine(_dir, "data"), Port = 1, EncryptionProviderConfig = path },
            _ => Task.FromResult<IStore>(new MemoryStore()),
            NullLoggerFactory.Instance,
            CancellationToken.None));

        Assert.Contains($"--encryption-provider-config {path}: cannot read the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureAsync_NewFile_OwnerOnlyAndValid()
    {
        var file = new EncryptionKeyFile(EncryptionKeyFile.DefaultPath(_dir));

        Assert.True(await file.EnsureAsync(CancellationToken.None));
        Assert.False(await file.EnsureAsync(CancellationToken.None));

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.Path));
        }

        var config = await EncryptionConfigParser.LoadAsync(file.Path, CancellationToken.None);
        Assert.Equal(["k8s:enc:aescbc:v1:aescbckey:", ""], config.TransformerFor("", "secrets")!.Providers.Select(p => p.Prefix));
    }
}
