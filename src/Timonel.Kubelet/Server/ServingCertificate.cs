using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Kubelet.Server;

/// <summary>
/// The kubelet server's self-signed serving certificate (upstream's kubelet makes one when no
/// --tls-cert-file is given): names the node and its IP, valid for a year, made at each start.
/// </summary>
internal static class ServingCertificate
{
    public static X509Certificate2 Create(string nodeName, IPAddress nodeIp, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={nodeName}@{now.ToUnixTimeSeconds()}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(nodeName);
        names.AddIpAddress(nodeIp);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var self = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        // A certificate with an ephemeral key cannot serve TLS on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pkcs12), null);
    }
}
