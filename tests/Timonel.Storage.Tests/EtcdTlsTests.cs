using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Timonel.Storage.Etcd;
using Timonel.Testing;
using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>The etcd store over TLS with client certificates, as --datastore-cafile/certfile/keyfile configure it.</summary>
public sealed class EtcdTlsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Open_TlsWithCaAndClientCertificate_ReadsAndWrites()
    {
        var files = WriteCertificates("ca");
        await using var etcd = await EtcdProcess.StartAsync(tls: files);
        var options = new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(etcd.EndpointList), CaFile = files.CaFile, CertFile = files.ClientCertFile, KeyFile = files.ClientKeyFile, CompactionInterval = TimeSpan.Zero };

        await using var store = await EtcdStore.OpenAsync(options, null, Ct);
        var created = await store.CreateAsync("/registry/secrets/default/s", Encoding.UTF8.GetBytes("x"), Ct);

        Assert.True(created.Succeeded);
        Assert.StartsWith("https://", etcd.EndpointList, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_TlsServerSignedByAnotherCa_ThrowsStoreUnavailable()
    {
        var files = WriteCertificates("ca");
        var other = WriteCertificates("other");
        await using var etcd = await EtcdProcess.StartAsync(tls: files);
        var options = new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(etcd.EndpointList), CaFile = other.CaFile, CertFile = files.ClientCertFile, KeyFile = files.ClientKeyFile };

        await Assert.ThrowsAsync<StoreUnavailableException>(() => EtcdStore.OpenAsync(options, null, Ct));
    }

    [Fact]
    public async Task Open_TlsWithoutClientCertificate_ThrowsStoreUnavailable()
    {
        var files = WriteCertificates("ca");
        await using var etcd = await EtcdProcess.StartAsync(tls: files);
        var options = new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(etcd.EndpointList), CaFile = files.CaFile };

        await Assert.ThrowsAsync<StoreUnavailableException>(() => EtcdStore.OpenAsync(options, null, Ct));
    }

    [Fact]
    public async Task Open_KeyWithoutCertificate_ThrowsArgumentException()
    {
        var files = WriteCertificates("ca");
        var options = new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints("https://127.0.0.1:2379"), KeyFile = files.ClientKeyFile };

        await Assert.ThrowsAsync<ArgumentException>(() => EtcdStore.OpenAsync(options, null, Ct));
    }

    /// <summary>A CA, a server pair for 127.0.0.1 and a client pair, as PEM files named after <paramref name="name"/>.</summary>
    private EtcdTlsFiles WriteCertificates(string name)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var (serverCert, serverKey) = Issue(ca, $"{name}-server", serverAuth: true, "server");
        var (clientCert, clientKey) = Issue(ca, $"{name}-client", serverAuth: false, "client");
        var caFile = _directory.File($"{name}-ca.crt");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        return new EtcdTlsFiles(serverCert, serverKey, caFile, clientCert, clientKey);
    }

    private (string Cert, string Key) Issue(X509Certificate2 ca, string name, bool serverAuth, string role)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), ca.NotAfter.ToUniversalTime().AddMinutes(-1), serial);
        var certFile = _directory.File($"{name}-{role}.crt");
        var keyFile = _directory.File($"{name}-{role}.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }
}
