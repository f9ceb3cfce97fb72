using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using Timonel.Kubelet.Images;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// Debian's docker-registry (/usr/bin/docker-registry, its packaged service never started) on
/// 127.0.0.1:PORT inside a test-made network namespace, serving TLS with a certificate of a
/// test CA (plain HTTP without one) and, when given a user, htpasswd (bcrypt, made by
/// apache2-utils' htpasswd) basic auth.
/// Stopped by its PID. Images are pushed over the distribution API from inside the namespace.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    public const string RegistryBinary = "/usr/bin/docker-registry";
    public const string HtpasswdBinary = "/usr/bin/htpasswd";

    private readonly string _netnsPath;
    private readonly (string User, string Password)? _login;
    private readonly IPAddress? _nodeAddress;
    private Process? _process;

    private LocalRegistry(string dir, string netnsPath, int port, TestCa? ca, (string, string)? login, IPAddress? nodeAddress)
    {
        Dir = dir;
        _netnsPath = netnsPath;
        Port = port;
        Ca = ca;
        _login = login;
        _nodeAddress = nodeAddress;
    }

    /// <summary>Why registry tests cannot run here, or null.</summary>
    public static string? SkipReason =>
        !File.Exists(RegistryBinary) ? $"needs {RegistryBinary} (Debian's docker-registry; scripts/install-deps.sh installs it)"
        : !File.Exists(HtpasswdBinary) ? $"needs {HtpasswdBinary} (Debian's apache2-utils; scripts/install-deps.sh installs it)"
        : null;

    public string Dir { get; }

    public int Port { get; }

    /// <summary>The CA whose certificate the registry serves; null for plain HTTP.</summary>
    public TestCa? Ca { get; }

    /// <summary>The registry's base URL.</summary>
    public Uri Url => new($"{(Ca is null ? "http" : "https")}://{Host}");

    /// <summary>host:port as image references name the registry.</summary>
    public string Host => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public string LogPath => Path.Combine(Dir, "registry.log");

    /// <param name="nodeAddress">
    /// Also listen on this address of the namespace (and name it in the TLS certificate), for a
    /// control plane in another test-made namespace of the same bridge; null: loopback only.
    /// </param>
    public static async Task<LocalRegistry> StartAsync(string dir, string netnsPath, int port, TestCa? ca, (string User, string Password)? login, IPAddress? nodeAddress = null)
    {
        Directory.CreateDirectory(dir);
        var registry = new LocalRegistry(dir, netnsPath, port, ca, login, nodeAddress);
        await registry.LaunchAsync();
        return registry;
    }

    private async Task LaunchAsync()
    {
        var tls = string.Empty;
        if (Ca is not null)
        {
            var (certPem, keyPem) = _nodeAddress is null ? Ca.IssueServer(IPAddress.Loopback) : Ca.IssueServer(IPAddress.Loopback, _nodeAddress);
            await File.WriteAllTextAsync(Path.Combine(Dir, "tls.crt"), certPem);
            await File.WriteAllTextAsync(Path.Combine(Dir, "tls.key"), keyPem);
            tls = $"""
                  tls:
                    certificate: {Path.Combine(Dir, "tls.crt")}
                    key: {Path.Combine(Dir, "tls.key")}
                """;
        }

        var auth = string.Empty;
        if (_login is { } login)
        {
            var hashed = await HostCommand.CheckAsync(HtpasswdBinary, "-Bbn", login.User, login.Password);
            await File.WriteAllTextAsync(Path.Combine(Dir, "htpasswd"), hashed.Trim() + "\n");
            auth = $"""
                auth:
                  htpasswd:
                    realm: timonel-e2e
                    path: {Path.Combine(Dir, "htpasswd")}
                """;
        }

        await File.WriteAllTextAsync(Path.Combine(Dir, "config.yml"), $"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Dir, "data")}
              delete:
                enabled: true
            http:
              addr: {(_nodeAddress is null ? Host : $"0.0.0.0:{Port.ToString(CultureInfo.InvariantCulture)}")}
            {tls}
            {auth}
            """);
        var start = new ProcessStartInfo("nsenter") { UseShellExecute = false };
        // nsenter execs the shell, the shell execs the registry: the PID kept is the registry's.
        foreach (var arg in new[] { $"--net={_netnsPath}", "--", "/bin/sh", "-c", "exec \"$0\" serve \"$1\" >>\"$2\" 2>&1 </dev/null", RegistryBinary, Path.Combine(Dir, "config.yml"), LogPath })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start docker-registry");
        using var http = Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/v2/"));
                // 401 is an answer too: the registry serves.
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"docker-registry on {Host} did not serve: {e.Message}\n{LogTail()}", e);
                }
            }

            await Task.Delay(100);
        }
    }

    public string LogTail() => File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(20)) : "(no registry log)";

    /// <summary>Pushes a one-layer image as REPOSITORY:TAG from inside the namespace (see <see cref="RegistryPusher"/>); returns the tag's digest.</summary>
    public async Task<string> PushAsync(string repository, string tag, byte[] configJson, byte[] layerTar, string architecture = "amd64")
    {
        using var http = Client();
        var pusher = new RegistryPusher(http, Url, _login?.User, _login?.Password);
        return await pusher.PushAsync(repository, tag, configJson, layerTar, CancellationToken.None, architecture);
    }

    /// <summary>
    /// Stores a sigstore signature as cosign and containers/image store one: an OCI manifest at
    /// tag sha256-HEX.sig of <paramref name="storedUnderDigest"/> whose one layer is the simple
    /// signing <paramref name="payload"/> with <paramref name="signatureBase64"/> in its annotation.
    /// </summary>
    public async Task PushSigstoreSignatureAsync(string repository, string storedUnderDigest, byte[] payload, string signatureBase64)
    {
        using var http = Client();
        var pusher = new RegistryPusher(http, Url, _login?.User, _login?.Password);
        var config = "{}"u8.ToArray();
        var configDigest = await pusher.PushBlobAsync(repository, config, CancellationToken.None);
        var layerDigest = await pusher.PushBlobAsync(repository, payload, CancellationToken.None);
        var manifest = new System.Text.Json.Nodes.JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new System.Text.Json.Nodes.JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["size"] = config.Length, ["digest"] = configDigest },
            ["layers"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["mediaType"] = Timonel.Api.Images.SigstoreSignature.LayerMediaType,
                ["size"] = payload.Length,
                ["digest"] = layerDigest,
                ["annotations"] = new System.Text.Json.Nodes.JsonObject { [Timonel.Api.Images.SigstoreSignature.SignatureAnnotation] = signatureBase64 },
            }),
        };
        await pusher.PutManifestAsync(repository, Timonel.Api.Images.SigstoreSignature.SignatureTag(storedUnderDigest), System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()), "application/vnd.oci.image.manifest.v1+json", CancellationToken.None);
    }

    // From inside the namespace (the registry listens on its loopback); the test trusts its own registry.
    private HttpClient Client() => new Kubelet.Network.NodeNetwork(_netnsPath).CreateHttpClient(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await ChildProcess.StopAsync(_process, TimeSpan.FromSeconds(5));
            _process.Dispose();
        }
    }
}

/// <summary>A throwaway certificate authority for a test's TLS servers.</summary>
public sealed class TestCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;

    public TestCa(string name)
    {
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>A server certificate for <paramref name="addresses"/> (its IP SANs), as PEM certificate and key.</summary>
    public (string Certificate, string Key) IssueServer(params IPAddress[] addresses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={addresses[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(_certificate, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(12), serial);
        return (issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }
}
