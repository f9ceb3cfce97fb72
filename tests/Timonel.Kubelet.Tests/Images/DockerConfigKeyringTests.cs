using Timonel.Api.Images;
using System.Text;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests.Images;

/// <summary>Registry keys matched as upstream's credentialprovider keyring matches them.</summary>
public sealed class DockerConfigKeyringTests
{
    [Theory]
    [InlineData("registry.test", "registry.test/app", true)]
    [InlineData("registry.test", "registry.test:5000/app", false)]
    [InlineData("registry.test:5000", "registry.test:5000/team/app", true)]
    [InlineData("registry.test:5000", "registry.test:5001/team/app", false)]
    [InlineData("registry.test/team", "registry.test/team/app", true)]
    [InlineData("registry.test/team", "registry.test/other/app", false)]
    [InlineData("*.test", "registry.test/app", true)]
    [InlineData("*.test", "a.registry.test/app", false)]
    [InlineData("*.*.test", "a.registry.test/app", true)]
    [InlineData("reg?stry.test", "registry.test/app", true)]
    [InlineData("registry.test", "other.test/app", false)]
    public void Matches_HostPortPathAndGlobs(string key, string repository, bool expected) =>
        Assert.Equal(expected, DockerConfigKeyring.Matches(key, repository));

    [Theory]
    [InlineData("https://registry.test:5000/v1/", "registry.test:5000")]
    [InlineData("http://registry.test/v2/", "registry.test")]
    [InlineData("registry.test/team/", "registry.test/team/")]
    [InlineData("registry.test", "registry.test")]
    public void Key_DropsSchemeAndApiVersion(string configKey, string key) =>
        Assert.Equal(key, DockerConfigKeyring.Key(configKey));

    [Fact]
    public void Lookup_MostSpecificKeyFirst_AndTagOrDigestIgnored()
    {
        var keyring = new DockerConfigKeyring();
        keyring.Add("registry.test:5000", new RegistryCredential("host", "1"));
        keyring.Add("registry.test:5000/team", new RegistryCredential("team", "2"));

        Assert.Equal(["team", "host"], keyring.Lookup("registry.test:5000/team/app:1.0").Select(c => c.Username));
        Assert.Equal(["team", "host"], keyring.Lookup("registry.test:5000/team/app@sha256:" + new string('b', 64)).Select(c => c.Username));
        Assert.Equal(["host"], keyring.Lookup("registry.test:5000/other/app:1.0").Select(c => c.Username));
    }

    [Fact]
    public void Lookup_DockerHubLegacyKey_MatchesDockerIoImages()
    {
        var keyring = new DockerConfigKeyring();
        keyring.Add("https://index.docker.io/v1/", new RegistryCredential("hub", "pw"));

        Assert.Equal(["hub"], keyring.Lookup("docker.io/library/busybox:latest").Select(c => c.Username));
        Assert.Empty(keyring.Lookup("quay.io/app/x:1"));
    }

    [Fact]
    public void AddSecret_DockercfgAndDockerconfigjson_AuthFieldDecoded()
    {
        var keyring = new DockerConfigKeyring();
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("carol:pa:ss"));
        keyring.AddSecret("kubernetes.io/dockercfg", new Dictionary<string, byte[]> { [".dockercfg"] = Encoding.UTF8.GetBytes($$$"""{"a.test":{"auth":"{{{auth}}}"}}""") });
        keyring.AddSecret("kubernetes.io/dockerconfigjson", new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes("""{"auths":{"b.test":{"username":"dave","password":"pw"}}}""") });
        // Another type is not a pull secret, whatever its keys.
        keyring.AddSecret("Opaque", new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes("""{"auths":{"c.test":{"username":"eve","password":"pw"}}}""") });

        Assert.Equal(new RegistryCredential("carol", "pa:ss"), Assert.Single(keyring.Lookup("a.test/x:1")));
        Assert.Equal(new RegistryCredential("dave", "pw"), Assert.Single(keyring.Lookup("b.test/x:1")));
        Assert.Empty(keyring.Lookup("c.test/x:1"));
    }

    [Fact]
    public void AddSecret_NotJson_FormatException()
    {
        var keyring = new DockerConfigKeyring();
        var e = Assert.Throws<FormatException>(() => keyring.AddSecret("kubernetes.io/dockerconfigjson", new Dictionary<string, byte[]> { [".dockerconfigjson"] = "{nope"u8.ToArray() }));
        Assert.StartsWith(".dockerconfigjson is not valid JSON", e.Message, StringComparison.Ordinal);
    }
}
