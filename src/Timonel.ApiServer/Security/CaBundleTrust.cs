using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Security;

/// <summary>
/// How the server checks a backend's serving certificate against a caBundle (webhooks'
/// clientConfig, an APIService's spec): the certificate must name the host dialled for, and chain
/// to the bundle's certificates alone, or to the system's roots where there is no bundle.
/// </summary>
internal static class CaBundleTrust
{
    /// <summary>
    /// True when <paramref name="certificate"/> is trusted: named for the host and chained to
    /// <paramref name="roots"/>, or when <paramref name="roots"/> is null, valid by the system's
    /// roots (<paramref name="errors"/> none). An empty collection trusts nothing.
    /// </summary>
    public static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? roots)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (certificate is X509Certificate2 leaf)
        {
            return chain.Build(leaf);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(copy);
    }

    /// <summary>The certificates of a PEM bundle; an unreadable bundle gives none (it trusts nothing).</summary>
    public static X509Certificate2Collection Load(string pem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            // Nothing readable: the handshake fails as "unknown authority".
        }

        return collection;
    }
}
