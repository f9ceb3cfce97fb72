using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Timonel.ApiServer.Security;
using Xunit;
using Xunit.Abstractions;

namespace Timonel.ApiServer.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterPkiTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDataDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task LoadOrCreateAsync_FirstStart_CreatesEveryFileWithTheRightModes()
    {
        using var pki = await _dir.LoadAsync();
        var paths = pki.Paths;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(paths.TlsDir));
        foreach (var key in new[] { paths.ServerCaKey, paths.ClientCaKey, paths.ServingKey, paths.AdminKey, paths.ServiceAccountKey, paths.AdminToken, paths.JoinToken })
        {
            Assert.True(File.Exists(key), key);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        foreach (var cert in new[] { paths.ServerCaCert, paths.ClientCaCert, paths.ServingCert, paths.AdminCert })
        {
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(cert));
        }

        Assert.Empty(Directory.GetFiles(paths.TlsDir, "*.tmp"));
        Assert.Equal(pki.AdminToken + "\n", await File.ReadAllTextAsync(paths.AdminToken));
        Assert.Equal(43, pki.AdminToken.Length); // 32 bytes in unpadded base64url
        Assert.Equal(pki.JoinToken.Format() + "\n", await File.ReadAllTextAsync(paths.JoinToken));
        Assert.Equal(JoinToken.HashCa(await File.ReadAllTextAsync(paths.ServerCaCert)), pki.JoinToken.CaHash);
    }

    [Fact]
    public async Task LoadOrCreateAsync_SecondStart_ReusesEveryFile()
    {
        string serverCa, clientCa, serving, admin, adminToken, joinToken, saKey;
        using (var first = await _dir.LoadAsync())
        {
            (serverCa, clientCa, serving, admin) = (first.ServerCa.Thumbprint, first.ClientCa.Thumbprint, first.ServingCertificate.Thumbprint, first.AdminCertificate.Thumbprint);
            (adminToken, joinToken, saKey) = (first.AdminToken, first.JoinToken.Format(), first.ServiceAccountKey.ExportECPrivateKeyPem());
        }

        var before = Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        using var second = await _dir.LoadAsync();

        Assert.Equal(serverCa, second.ServerCa.Thumbprint);
        Assert.Equal(clientCa, second.ClientCa.Thumbprint);
        Assert.Equal(serving, second.ServingCertificate.Thumbprint);
        Assert.Equal(admin, second.AdminCertificate.Thumbprint);
        Assert.Equal(adminToken, second.AdminToken);
        Assert.Equal(joinToken, second.JoinToken.Format());
        Assert.Equal(saKey, second.ServiceAccountKey.ExportECPrivateKeyPem());
        Assert.True(second.ServingCertificate.HasPrivateKey);
        Assert.True(second.AdminCertificate.HasPrivateKey);
        Assert.Equal(before, Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    [Fact]
    public async Task ServingCertificate_FirstStart_ChainsToServerCaWithEveryName()
    {
        using var pki = await _dir.LoadAsync("api.example.com", "192.0.2.10");

        Assert.True(TestCertificates.ChainsTo(pki.ServingCertificate, pki.ServerCa));
        Assert.False(TestCertificates.ChainsTo(pki.ServingCertificate, pki.ClientCa));
        Assert.Equal("CN=timonel-server-ca", pki.ServerCa.Subject);
        Assert.InRange(pki.ServerCa.NotAfter - DateTime.Now, TimeSpan.FromDays(3649), TimeSpan.FromDays(3651));
        Assert.InRange(pki.ServingCertificate.NotAfter - DateTime.Now, TimeSpan.FromDays(364), TimeSpan.FromDays(366));
        Assert.Equal("ECC", pki.ServingCertificate.PublicKey.Oid.FriendlyName);

        var san = pki.ServingCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var dns = san.EnumerateDnsNames().ToList();
        foreach (var name in new[] { "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "api.example.com", Dns.GetHostName().ToLowerInvariant() })
        {
            Assert.Contains(name, dns);
        }

        var ips = san.EnumerateIPAddresses().ToList();
        foreach (var ip in new[] { "127.0.0.1", "::1", "10.43.0.1", "192.0.2.10" })
        {
            Assert.Contains(IPAddress.Parse(ip), ips);
        }

        var eku = pki.ServingCertificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Value);
    }

    [Fact]
    public async Task AdminCertificate_FirstStart_ChainsToClientCaAsSystemAdmin()
    {
        using var pki = await _dir.LoadAsync();

        Assert.True(TestCertificates.ChainsTo(pki.AdminCertificate, pki.ClientCa));
        Assert.False(TestCertificates.ChainsTo(pki.AdminCertificate, pki.ServerCa));
        Assert.Equal("CN=timonel-client-ca", pki.ClientCa.Subject);
        Assert.Equal("system:admin", pki.AdminCertificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Contains("O=system:masters", pki.AdminCertificate.Subject, StringComparison.Ordinal);
        Assert.Equal(pki.AdminCertificate.RawData, X509Certificate2.CreateFromPem(pki.AdminCertificatePem).RawData);
    }

    [Fact]
    public async Task LoadOrCreateAsync_ServingCertificateNearExpiry_ReissuedFromTheSameCa()
    {
        var time = new FakeTime(DateTimeOffset.UtcNow);
        string caThumbprint, servingThumbprint;
        using (var first = await _dir.LoadAsync(time))
        {
            (caThumbprint, servingThumbprint) = (first.ServerCa.Thumbprint, first.ServingCertificate.Thumbprint);
        }

        time.Now += TimeSpan.FromDays(300);
        using var later = await _dir.LoadAsync(time);

        Assert.Equal(caThumbprint, later.ServerCa.Thumbprint);
        Assert.NotEqual(servingThumbprint, later.ServingCertificate.Thumbprint);
        Assert.True(later.ServingCertificate.NotAfter.ToUniversalTime() > time.Now.UtcDateTime.AddDays(360));
        Assert.True(TestCertificates.ChainsTo(later.ServingCertificate, later.ServerCa, time.Now));
    }

    [Fact]
    public async Task LoadOrCreateAsync_NewSanRequested_ReissuesOnlyTheServingCertificate()
    {
        string ca, serving, admin;
        using (var first = await _dir.LoadAsync())
        {
            (ca, serving, admin) = (first.ServerCa.Thumbprint, first.ServingCertificate.Thumbprint, first.AdminCertificate.Thumbprint);
        }

        using var second = await _dir.LoadAsync("10.0.0.7");

        Assert.Equal(ca, second.ServerCa.Thumbprint);
        Assert.Equal(admin, second.AdminCertificate.Thumbprint);
        Assert.NotEqual(serving, second.ServingCertificate.Thumbprint);
        Assert.Contains(IPAddress.Parse("10.0.0.7"), second.ServingCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
    }

    [Fact]
    public async Task LoadOrCreateAsync_CorruptCaFile_ThrowsNamingTheFile()
    {
        (await _dir.LoadAsync()).Dispose();
        var path = Path.Combine(_dir.Path, "tls", "server-ca.crt");
        await File.WriteAllTextAsync(path, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");

        var error = await Assert.ThrowsAsync<PkiFileException>(() => _dir.LoadAsync());

        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadOrCreateAsync_CorruptKeyFile_ThrowsNamingTheFile()
    {
        (await _dir.LoadAsync()).Dispose();
        var path = Path.Combine(_dir.Path, "tls", "client-ca.key");
        await File.WriteAllTextAsync(path, "garbage");

        var error = await Assert.ThrowsAsync<PkiFileException>(() => _dir.LoadAsync());

        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public async Task LoadOrCreateAsync_CaKeyMissing_ThrowsInsteadOfReplacingTheCa()
    {
        (await _dir.LoadAsync()).Dispose();
        var path = Path.Combine(_dir.Path, "tls", "server-ca.key");
        File.Delete(path);

        var error = await Assert.ThrowsAsync<PkiFileException>(() => _dir.LoadAsync());

        Assert.Equal(path, error.FilePath);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadOrCreateAsync_KeyOfAnotherCertificate_ThrowsNamingTheKey()
    {
        (await _dir.LoadAsync()).Dispose();
        var tls = Path.Combine(_dir.Path, "tls");
        File.Copy(Path.Combine(tls, "client-admin.key"), Path.Combine(tls, "serving-kube-apiserver.key"), overwrite: true);

        var error = await Assert.ThrowsAsync<PkiFileException>(() => _dir.LoadAsync());

        Assert.Equal(Path.Combine(tls, "serving-kube-apiserver.key"), error.FilePath);
        Assert.Contains("does not match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadOrCreateAsync_LeafDeleted_ReissuedFromTheSameCa()
    {
        string ca;
        using (var first = await _dir.LoadAsync())
        {
            ca = first.ClientCa.Thumbprint;
        }

        File.Delete(Path.Combine(_dir.Path, "tls", "client-admin.crt"));
        using var second = await _dir.LoadAsync();

        Assert.Equal(ca, second.ClientCa.Thumbprint);
        Assert.True(TestCertificates.ChainsTo(second.AdminCertificate, second.ClientCa));
    }

    [Fact]
    public async Task LoadOrCreateAsync_ServerCaDeleted_NewCaWithServingCertificateAndTokenFollowing()
    {
        string ca, clientCa, secret;
        using (var first = await _dir.LoadAsync())
        {
            (ca, clientCa, secret) = (first.ServerCa.Thumbprint, first.ClientCa.Thumbprint, first.JoinToken.Secret);
        }

        File.Delete(Path.Combine(_dir.Path, "tls", "server-ca.crt"));
        File.Delete(Path.Combine(_dir.Path, "tls", "server-ca.key"));
        using var second = await _dir.LoadAsync();

        Assert.NotEqual(ca, second.ServerCa.Thumbprint);
        Assert.Equal(clientCa, second.ClientCa.Thumbprint);
        Assert.True(TestCertificates.ChainsTo(second.ServingCertificate, second.ServerCa));
        Assert.Equal(JoinToken.HashCa(second.ServerCaPem), second.JoinToken.CaHash);
        Assert.Equal(secret, second.JoinToken.Secret);
        Assert.Equal(second.JoinToken.Format() + "\n", await File.ReadAllTextAsync(Path.Combine(_dir.Path, "token")));
    }

    [Fact]
    public async Task LoadOrCreateAsync_TlsDirectoryLoosened_IsTightenedAgain()
    {
        (await _dir.LoadAsync()).Dispose();
        var tls = Path.Combine(_dir.Path, "tls");
        File.SetUnixFileMode(tls, (UnixFileMode)0b111_101_101);

        (await _dir.LoadAsync()).Dispose();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(tls));
    }

    [Fact]
    public async Task LoadOrCreateAsync_CorruptJoinToken_ThrowsNamingTheFile()
    {
        (await _dir.LoadAsync()).Dispose();
        var path = Path.Combine(_dir.Path, "token");
        await File.WriteAllTextAsync(path, "K10abc::");

        var error = await Assert.ThrowsAsync<PkiFileException>(() => _dir.LoadAsync());

        Assert.Equal(path, error.FilePath);
    }

    [Theory]
    [InlineData("not a name")]
    [InlineData("-bad.example.com")]
    [InlineData("")]
    public async Task LoadOrCreateAsync_InvalidExtraSan_ThrowsArgumentException(string san)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _dir.LoadAsync(san));

        Assert.Contains("invalid TLS SAN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadOrCreateAsync_Timing_SecondStartIsFast()
    {
        var clock = Stopwatch.StartNew();
        (await _dir.LoadAsync()).Dispose();
        var firstStart = clock.Elapsed;

        clock.Restart();
        (await _dir.LoadAsync()).Dispose();
        var secondStart = clock.Elapsed;

        output.WriteLine($"first start (generate): {firstStart.TotalMilliseconds:F1} ms; second start (load): {secondStart.TotalMilliseconds:F1} ms");
        Assert.True(secondStart < TimeSpan.FromSeconds(1), $"loading took {secondStart}");
    }
}
