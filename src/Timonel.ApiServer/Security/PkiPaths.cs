namespace Timonel.ApiServer.Security;

/// <summary>
/// Where the cluster PKI lives inside the data dir (names follow k3s's server/tls layout).
/// Keys and tokens are written 0600, the tls directory 0700.
/// </summary>
public sealed record PkiPaths(string DataDir)
{
    /// <summary>DIR/tls: every certificate and key.</summary>
    public string TlsDir => Path.Combine(DataDir, "tls");

    public string ServerCaCert => Path.Combine(TlsDir, "server-ca.crt");

    public string ServerCaKey => Path.Combine(TlsDir, "server-ca.key");

    public string ClientCaCert => Path.Combine(TlsDir, "client-ca.crt");

    public string ClientCaKey => Path.Combine(TlsDir, "client-ca.key");

    /// <summary>
    /// The front-proxy (request-header) CA: signs the client certificate the aggregator presents
    /// to extension API servers, which trust it through requestheader-client-ca-file.
    /// </summary>
    public string RequestHeaderCaCert => Path.Combine(TlsDir, "request-header-ca.crt");

    public string RequestHeaderCaKey => Path.Combine(TlsDir, "request-header-ca.key");

    /// <summary>The API server's serving certificate, signed by the server CA.</summary>
    public string ServingCert => Path.Combine(TlsDir, "serving-kube-apiserver.crt");

    public string ServingKey => Path.Combine(TlsDir, "serving-kube-apiserver.key");

    /// <summary>The admin client certificate (CN system:admin, O system:masters), signed by the client CA.</summary>
    public string AdminCert => Path.Combine(TlsDir, "client-admin.crt");

    public string AdminKey => Path.Combine(TlsDir, "client-admin.key");

    /// <summary>ECDSA P-256 key that will sign service-account tokens.</summary>
    public string ServiceAccountKey => Path.Combine(TlsDir, "service.key");

    /// <summary>The admin bearer token (one line, base64url of 32 random bytes).</summary>
    public string AdminToken => Path.Combine(TlsDir, "admin.token");

    /// <summary>DIR/token: the node join token, "K10&lt;sha256 of server-ca.crt&gt;::server:&lt;secret&gt;".</summary>
    public string JoinToken => Path.Combine(DataDir, "token");

    /// <summary>DIR/kubeconfig.yaml: the admin kubeconfig the server writes on start.</summary>
    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig.yaml");
}
