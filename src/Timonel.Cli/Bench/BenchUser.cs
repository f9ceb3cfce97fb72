using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Timonel.ApiServer.Security;

namespace Timonel.Cli.Bench;

/// <summary>
/// With --authorization-mode RBAC, the measurements run as an ordinary user rather than the
/// admin (whose system:masters group skips RBAC): a client certificate for
/// <see cref="Name"/>, issued from the private server's client CA, bound in each measurement
/// namespace by a RoleBinding to a ClusterRole covering what the measurements do. So the
/// figures include RBAC's cost per request.
/// </summary>
internal static class BenchUser
{
    public const string Name = "timonel-bench-user";
    private const string Role = "timonel-bench";
    private const string Rbac = "apis/rbac.authorization.k8s.io/v1";

    /// <summary>A client certificate for the bench user, signed by the client CA in <paramref name="dataDir"/>.</summary>
    public static X509Certificate2 Certificate(string dataDir)
    {
        var paths = new PkiPaths(dataDir);
        using var ca = X509Certificate2.CreateFromPemFile(paths.ClientCaCert, paths.ClientCaKey);
        using var caKey = ca.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"{paths.ClientCaKey} is not the ECDSA key the server's client CA uses");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Name}, O=timonel-bench", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial, as RFC 5280 asks
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), now.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>The ClusterRole the bench user is bound to (as the admin).</summary>
    public static async Task CreateRoleAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        const string role = $$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"{{Role}}"},
             "rules":[{"apiGroups":[""],"resources":["configmaps","pods"],"verbs":["create","get","list","watch","update","patch","delete"]}]}
            """;
        await PostAsync(admin, $"{Rbac}/clusterroles", role, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Binds the ClusterRole to the bench user in <paramref name="ns"/> (as the admin).</summary>
    public static Task BindAsync(HttpClient admin, string ns, CancellationToken cancellationToken) =>
        PostAsync(admin, $"{Rbac}/namespaces/{ns}/rolebindings", $$"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"{{Role}}"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"{{Role}}"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"{{Name}}"}]}
            """, cancellationToken);

    private static async Task PostAsync(HttpClient admin, string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode is not (201 or 409))
        {
            throw new InvalidOperationException($"cannot create {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }
}
