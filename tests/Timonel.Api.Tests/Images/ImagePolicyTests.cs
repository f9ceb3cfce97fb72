using System.Security.Cryptography;
using Timonel.Api.Images;
using Xunit;

namespace Timonel.Api.Tests.Images;

public sealed class ImagePolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-imagepolicy-").FullName;

    public ImagePolicyTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path.Combine(_dir, "release.pub"), key.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(Path.Combine(_dir, "private.pem"), key.ExportPkcs8PrivateKeyPem());
    }

    [Fact]
    public void Load_FullFile_DefaultAndNamespaceOverrides()
    {
        var policy = Load("""
            keys:
              release: release.pub
            default:
              images: ["127.0.0.1:5443/*"]
              resolveTags: true
              requireSignature: [release]
              onRegistryError: Fail
              timeout: 5s
            namespaces:
              kube-system:
                requireSignature: []
                resolveTags: false
              strict:
                requireDigest: true
                onRegistryError: Admit
            """);

        Assert.Equal(Path.Combine(_dir, "release.pub"), policy.Keys["release"].Path);
        Assert.IsAssignableFrom<ECDsa>(policy.Keys["release"].Key);
        var defaults = policy.For("default");
        Assert.True(defaults.ResolveTags);
        Assert.Equal(["release"], defaults.RequireSignature);
        Assert.Equal(TimeSpan.FromSeconds(5), defaults.Timeout);
        Assert.True(defaults.Covers("127.0.0.1:5443/e2e/busybox:1"));
        Assert.False(defaults.Covers("docker.io/library/busybox:1"));
        Assert.True(policy.For("kube-system").IsEmpty);
        // A namespace section overrides only the fields it names.
        var strict = policy.For("strict");
        Assert.True(strict.RequireDigest);
        Assert.True(strict.ResolveTags);
        Assert.Equal(["release"], strict.RequireSignature);
        Assert.Equal(RegistryFailureMode.Admit, strict.OnRegistryError);
        Assert.Equal(["127.0.0.1:5443/*"], strict.Images);
    }

    [Fact]
    public void Load_NoDefault_NamespaceOnly()
    {
        var policy = Load("""
            namespaces:
              prod: {requireDigest: true}
            """);

        Assert.True(policy.For("dev").IsEmpty);
        Assert.True(policy.For("prod").RequireDigest);
        Assert.True(policy.For("prod").Covers("docker.io/library/busybox:1"));
    }

    [Theory]
    [InlineData("default:\n  requireDigest: yes\n", "default.requireDigest \"yes\" is not true or false")]
    [InlineData("default:\n  verify: true\n", "unknown key \"verify\" in default")]
    [InlineData("rules: {}\n", "unknown key \"rules\" in the file")]
    [InlineData("default:\n  requireSignature: [nobody]\n", "default.requireSignature names the key \"nobody\", which keys does not define")]
    [InlineData("keys:\n  release: missing.pub\n", "keys.release:")]
    [InlineData("keys:\n  release: private.pem\n", "not \"PUBLIC KEY\"")]
    [InlineData("default:\n  onRegistryError: Ignore\n", "default.onRegistryError \"Ignore\" is not Fail or Admit")]
    [InlineData("default:\n  timeout: 5m\n", "default.timeout \"5m\" must be a duration between 0 and 1m")]
    [InlineData("namespaces:\n  Bad_NS: {}\n", "namespaces: \"Bad_NS\" is not a namespace name")]
    [InlineData("default: [1\n", "not valid YAML")]
    [InlineData("- a\n", "must be a mapping")]
    public void Load_BadFile_FormatExceptionNamingTheEntry(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Load(text));

        Assert.StartsWith($"image policy {Path.Combine(_dir, "policy.yaml")}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_FormatException()
    {
        var e = Assert.Throws<FormatException>(() => ImagePolicy.Load(Path.Combine(_dir, "nope.yaml")));

        Assert.Contains("nope.yaml", e.Message, StringComparison.Ordinal);
    }

    private ImagePolicy Load(string text)
    {
        var path = Path.Combine(_dir, "policy.yaml");
        File.WriteAllText(path, text);
        return ImagePolicy.Load(path);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
