using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The cluster's certificates and secrets, kept under DIR/tls (see <see cref="PkiPaths"/>) and
/// generated on first start like k3s does. Later starts load the same files; only a leaf that is
/// missing, no longer signed by its CA, close to expiry (90 days) or lacking a requested SAN is
/// issued again, from the same CA. A CA is never replaced silently: a corrupt or half-present CA
/// is an error naming the file.
/// </summary>
public sealed partial class ClusterPki : IDisposable
{
    public const string ServerCaName = "timonel-server-ca";
    public const string ClientCaName = "timonel-client-ca";
    public const string FrontProxyCaName = "timonel-request-header-ca";

    /// <summary>Leaves are issued again at start when they expire within this window (as k3s does).</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(90);

    private static readonly TimeSpan CaValidity = TimeSpan.FromDays(3650);
    private static readonly TimeSpan LeafValidity = TimeSpan.FromDays(365);

    private ClusterPki(PkiPaths paths, Authority serverCa, Authority clientCa, Authority frontProxyCa, X509Certificate2 serving, Leaf admin, ECDsa serviceAccountKey, string adminToken, JoinToken joinToken)
    {
        Paths = paths;
        ServerCa = serverCa.Certificate;
        ServerCaPem = serverCa.Pem;
        ClientCa = clientCa.Certificate;
        ClientCaPem = clientCa.Pem;
        FrontProxyCa = frontProxyCa.Certificate;
        FrontProxyCaPem = frontProxyCa.Pem;
        ServingCertificate = serving;
        AdminCertificate = admin.Certificate;
        AdminCertificatePem = admin.CertificatePem;
        AdminKeyPem = admin.KeyPem;
        ServiceAccountKey = serviceAccountKey;
        AdminToken = adminToken;
        JoinToken = joinToken;
    }

    public PkiPaths Paths { get; }

    /// <summary>Signs the serving certificate; clients trust it (kubeconfig certificate-authority-data).</summary>
    public X509Certificate2 ServerCa { get; }

    public string ServerCaPem { get; }

    /// <summary>Signs client certificates; the API server trusts only it for client auth.</summary>
    public X509Certificate2 ClientCa { get; }

    public string ClientCaPem { get; }

    /// <summary>
    /// Signs the client certificate the aggregator proxies with (upstream's front-proxy CA,
    /// published as requestheader-client-ca-file); with its private key.
    /// </summary>
    public X509Certificate2 FrontProxyCa { get; }

    public string FrontProxyCaPem { get; }

    /// <summary>
    /// A client certificate from <see cref="ClientCa"/>, with its private key, for a credential the
    /// server hands out in process (the local agent's system:node:NAME identity).
    /// </summary>
    public X509Certificate2 IssueClientCertificate(string commonName, IReadOnlyList<string> organizations, DateTimeOffset now, TimeSpan validity) =>
        CertificateIssuer.IssueClient(ClientCa, commonName, organizations, now, validity);

    /// <summary>The API server's certificate, with its private key, for Kestrel.</summary>
    public X509Certificate2 ServingCertificate { get; }

    /// <summary>CN system:admin, O system:masters, with its private key.</summary>
    public X509Certificate2 AdminCertificate { get; }

    public string AdminCertificatePem { get; }

    public string AdminKeyPem { get; }

    /// <summary>ECDSA P-256 key for signing service-account tokens (ES256).</summary>
    public ECDsa ServiceAccountKey { get; }

    /// <summary>Bearer token that authenticates as system:admin (group system:masters).</summary>
    public string AdminToken { get; }

    /// <summary>The node join token (also in DIR/token).</summary>
    public JoinToken JoinToken { get; }

    /// <inheritdoc cref="LoadOrCreateAsync(string, IEnumerable{string}, ILogger, TimeProvider, CancellationToken)"/>
    public static Task<ClusterPki> LoadOrCreateAsync(string dataDir, IEnumerable<string> extraSans, ILogger logger, CancellationToken ct) =>
        LoadOrCreateAsync(dataDir, extraSans, logger, TimeProvider.System, ct);

    /// <summary>Loads the PKI from <paramref name="dataDir"/>, generating whatever is missing.</summary>
    /// <param name="extraSans">Additional IP addresses or DNS names for the serving certificate.</param>
    /// <exception cref="PkiFileException">A file is unreadable, corrupt, or a CA is unusable; the message names the file.</exception>
    /// <exception cref="ArgumentException">An extra SAN is neither an IP address nor a DNS name.</exception>
    public static async Task<ClusterPki> LoadOrCreateAsync(string dataDir, IEnumerable<string> extraSans, ILogger logger, TimeProvider time, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var sans = SubjectAltNames.Create(HostnameOrNull(), extraSans);
        var paths = new PkiPaths(Path.GetFullPath(dataDir));
        // The data dir is only created, never chmod-ed: an operator may point it at a shared
        // directory. The tls directory is ours and is kept 0700.
        PkiFiles.EnsurePrivateDirectory(paths.DataDir, tighten: false);
        PkiFiles.EnsurePrivateDirectory(paths.TlsDir, tighten: true);
        var now = time.GetUtcNow();

        var serverCa = await LoadOrCreateAuthorityAsync(paths.ServerCaCert, paths.ServerCaKey, ServerCaName, now, logger, ct).ConfigureAwait(false);
        var clientCa = await LoadOrCreateAuthorityAsync(paths.ClientCaCert, paths.ClientCaKey, ClientCaName, now, logger, ct).ConfigureAwait(false);
        var frontProxyCa = await LoadOrCreateAuthorityAsync(paths.RequestHeaderCaCert, paths.RequestHeaderCaKey, FrontProxyCaName, now, logger, ct).ConfigureAwait(false);

        var serving = await LoadOrIssueLeafAsync(
            paths.ServingCert, paths.ServingKey, "serving", serverCa.Certificate, now, logger,
            certificate => sans.AreCoveredBy(certificate) ? null : "it lacks a requested subject alternative name",
            () => CertificateIssuer.IssueServing(serverCa.Certificate, sans, now, LeafValidity),
            ct).ConfigureAwait(false);

        var admin = await LoadOrIssueLeafAsync(
            paths.AdminCert, paths.AdminKey, "admin client", clientCa.Certificate, now, logger,
            certificate => certificate.GetNameInfo(X509NameType.SimpleName, false) == UserInfo.AdminName ? null : "its common name is not " + UserInfo.AdminName,
            () => CertificateIssuer.IssueClient(clientCa.Certificate, UserInfo.AdminName, [UserInfo.SystemMastersGroup], now, LeafValidity),
            ct).ConfigureAwait(false);

        var serviceAccountKey = await LoadOrCreateServiceAccountKeyAsync(paths.ServiceAccountKey, logger, ct).ConfigureAwait(false);
        var adminToken = await LoadOrCreateAdminTokenAsync(paths.AdminToken, logger, ct).ConfigureAwait(false);
        var joinToken = await LoadOrCreateJoinTokenAsync(paths.JoinToken, serverCa.Pem, logger, ct).ConfigureAwait(false);

        Log.Ready(logger, paths.TlsDir, clock.Elapsed.TotalMilliseconds);
        return new ClusterPki(paths, serverCa, clientCa, frontProxyCa, serving.Certificate, admin, serviceAccountKey, adminToken, joinToken);
    }

    public void Dispose()
    {
        ServerCa.Dispose();
        ClientCa.Dispose();
        FrontProxyCa.Dispose();
        ServingCertificate.Dispose();
        AdminCertificate.Dispose();
        ServiceAccountKey.Dispose();
    }

    private static async Task<Authority> LoadOrCreateAuthorityAsync(string certPath, string keyPath, string name, DateTimeOffset now, ILogger logger, CancellationToken ct)
    {
        var certPem = await PkiFiles.ReadIfExistsAsync(certPath, ct).ConfigureAwait(false);
        var keyPem = await PkiFiles.ReadIfExistsAsync(keyPath, ct).ConfigureAwait(false);
        if (certPem is null)
        {
            // The key is written first, so a key without its certificate is a crash during
            // creation: nothing can trust that CA yet, and it is safe to start over.
            var created = CertificateIssuer.CreateAuthority(name, now, CaValidity);
            using var key = created.GetECDsaPrivateKey()!;
            await PkiFiles.WriteAsync(keyPath, PkiFiles.KeyPem(key), PkiFiles.PrivateFile, ct).ConfigureAwait(false);
            var pem = PkiFiles.CertificatePem(created);
            await PkiFiles.WriteAsync(certPath, pem, PkiFiles.PublicFile, ct).ConfigureAwait(false);
            Log.Generated(logger, name, certPath);
            return new Authority(created, pem);
        }

        if (keyPem is null)
        {
            throw new PkiFileException(keyPath, $"the private key {keyPath} of the CA in {certPath} is missing, so no certificate can be issued. Restore the key, or delete {certPath} too so that a new CA is generated (this invalidates every certificate and kubeconfig of the old one).");
        }

        using var certificate = PkiFiles.ParseCertificate(certPath, certPem, name);
        using var caKey = PkiFiles.ParseEcKey(keyPath, keyPem, name + " key");
        if (!certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            throw PkiFiles.Corrupt(certPath, name, "the certificate is not a CA (basic constraints lack CA:TRUE)");
        }

        if (certificate.NotAfter.ToUniversalTime() <= now)
        {
            throw new PkiFileException(certPath, $"the CA in {certPath} expired on {certificate.NotAfter.ToUniversalTime():u}. Delete the data dir's tls directory to generate a new PKI (existing kubeconfigs and joined nodes must then be set up again).");
        }

        return new Authority(PkiFiles.Pair(certificate, caKey, certPath, keyPath, name), certPem);
    }

    private static async Task<Leaf> LoadOrIssueLeafAsync(
        string certPath, string keyPath, string what, X509Certificate2 authority, DateTimeOffset now, ILogger logger,
        Func<X509Certificate2, string?> unfit, Func<X509Certificate2> issue, CancellationToken ct)
    {
        var certPem = await PkiFiles.ReadIfExistsAsync(certPath, ct).ConfigureAwait(false);
        var keyPem = await PkiFiles.ReadIfExistsAsync(keyPath, ct).ConfigureAwait(false);
        string? reason = null;
        if (certPem is null || keyPem is null)
        {
            reason = "it does not exist yet";
        }
        else
        {
            using var certificate = PkiFiles.ParseCertificate(certPath, certPem, what + " certificate");
            using var key = PkiFiles.ParseEcKey(keyPath, keyPem, what + " key");
            var paired = PkiFiles.Pair(certificate, key, certPath, keyPath, what);
            reason = !CertificateIssuer.IsSignedBy(paired, authority) ? "it is not signed by the current CA"
                : paired.NotAfter.ToUniversalTime() - now < RenewBefore ? $"it expires on {paired.NotAfter.ToUniversalTime():u}"
                : unfit(paired);
            if (reason is null)
            {
                return new Leaf(paired, certPem, keyPem);
            }

            paired.Dispose();
        }

        var issued = issue();
        using var issuedKey = issued.GetECDsaPrivateKey()!;
        var newKeyPem = PkiFiles.KeyPem(issuedKey);
        var newCertPem = PkiFiles.CertificatePem(issued);
        await PkiFiles.WriteAsync(keyPath, newKeyPem, PkiFiles.PrivateFile, ct).ConfigureAwait(false);
        await PkiFiles.WriteAsync(certPath, newCertPem, PkiFiles.PublicFile, ct).ConfigureAwait(false);
        Log.Issued(logger, what, certPath, reason);
        return new Leaf(issued, newCertPem, newKeyPem);
    }

    private static async Task<ECDsa> LoadOrCreateServiceAccountKeyAsync(string path, ILogger logger, CancellationToken ct)
    {
        var pem = await PkiFiles.ReadIfExistsAsync(path, ct).ConfigureAwait(false);
        if (pem is not null)
        {
            return PkiFiles.ParseEcKey(path, pem, "service-account signing key");
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await PkiFiles.WriteAsync(path, PkiFiles.KeyPem(key), PkiFiles.PrivateFile, ct).ConfigureAwait(false);
        Log.Generated(logger, "service-account signing key", path);
        return key;
    }

    private static async Task<string> LoadOrCreateAdminTokenAsync(string path, ILogger logger, CancellationToken ct)
    {
        var text = await PkiFiles.ReadIfExistsAsync(path, ct).ConfigureAwait(false);
        if (text is not null)
        {
            var token = text.Trim();
            return token.Length > 0 && !token.Any(char.IsWhiteSpace)
                ? token
                : throw PkiFiles.Corrupt(path, "admin token", "expected one line holding the token");
        }

        var created = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await PkiFiles.WriteAsync(path, created + "\n", PkiFiles.PrivateFile, ct).ConfigureAwait(false);
        Log.Generated(logger, "admin token", path);
        return created;
    }

    private static async Task<JoinToken> LoadOrCreateJoinTokenAsync(string path, string serverCaPem, ILogger logger, CancellationToken ct)
    {
        var text = await PkiFiles.ReadIfExistsAsync(path, ct).ConfigureAwait(false);
        JoinToken token;
        if (text is null)
        {
            token = JoinToken.Create(serverCaPem);
        }
        else if (!JoinToken.TryParse(text, out var loaded))
        {
            throw PkiFiles.Corrupt(path, "node join token", "expected K10<sha256 of server-ca.crt>::server:<secret>");
        }
        else if (loaded.CaHash == JoinToken.HashCa(serverCaPem))
        {
            return loaded;
        }
        else
        {
            // The server CA was generated again (or the token is a bare secret): keep the secret
            // so configured agents still authenticate, and pin the current CA.
            token = new JoinToken(JoinToken.HashCa(serverCaPem), loaded.Username, loaded.Secret);
        }

        await PkiFiles.WriteAsync(path, token.Format() + "\n", PkiFiles.PrivateFile, ct).ConfigureAwait(false);
        Log.Generated(logger, "node join token", path);
        return token;
    }

    private static string? HostnameOrNull()
    {
        try
        {
            return Dns.GetHostName();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private sealed record Authority(X509Certificate2 Certificate, string Pem);

    private sealed record Leaf(X509Certificate2 Certificate, string CertificatePem, string KeyPem);
}
