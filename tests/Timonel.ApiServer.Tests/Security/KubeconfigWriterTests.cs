using System.Text;
using k8s;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KubeconfigWriterTests : IAsyncLifetime
{
    private readonly TempDataDir _dir = new();
    private ClusterPki _pki = null!;

    public async Task InitializeAsync() => _pki = await _dir.LoadAsync();

    public Task DisposeAsync()
    {
        _pki.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private Task WriteAsync(string path, string url = "https://127.0.0.1:6443") =>
        KubeconfigWriter.WriteAsync(path, url, _pki.ServerCaPem, _pki.AdminCertificatePem, _pki.AdminKeyPem, CancellationToken.None);

    [Fact]
    public async Task WriteAsync_AdminCredentials_LoadsWithKubernetesClient()
    {
        var path = _pki.Paths.Kubeconfig;
        await WriteAsync(path);

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("https://127.0.0.1:6443", config.Host);
        Assert.Equal("timonel", config.CurrentContext);
        Assert.Equal(_pki.AdminCertificatePem, Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateData)));
        Assert.Equal(_pki.AdminKeyPem, Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateKeyData)));
        Assert.Equal(_pki.ServerCa.RawData, Assert.Single(config.SslCaCerts).RawData);
    }

    [Fact]
    public async Task WriteAsync_AdminCredentials_KubectlConfigViewParsesIt()
    {
        var path = Path.Combine(_dir.Path, "kubeconfig.yaml");
        await WriteAsync(path, "https://[::1]:6443");

        var (exitCode, stdout, stderr) = await TestProcess.RunAsync("kubectl", "config", "view", "--kubeconfig", path, "--raw", "-o", "jsonpath={.current-context} {.clusters[0].cluster.server} {.users[0].name} {.users[0].user.client-key-data}");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal($"timonel https://[::1]:6443 admin {Convert.ToBase64String(Encoding.UTF8.GetBytes(_pki.AdminKeyPem))}", stdout);
    }

    [Theory]
    [InlineData("http://127.0.0.1:6443")]
    [InlineData("127.0.0.1:6443")]
    [InlineData("")]
    public async Task WriteAsync_NotAnHttpsUrl_ThrowsArgumentException(string url)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => WriteAsync(Path.Combine(_dir.Path, "k.yaml"), url));

        Assert.Contains("https", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_MissingDirectory_ThrowsNamingThePath()
    {
        var path = Path.Combine(_dir.Path, "nope", "kubeconfig.yaml");

        var error = await Assert.ThrowsAsync<PkiFileException>(() => WriteAsync(path));

        Assert.Equal(path, error.FilePath);
    }
}
