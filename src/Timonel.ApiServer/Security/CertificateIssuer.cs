using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Makes the cluster's certificates: ECDSA P-256 keys, SHA-256 signatures, and the extensions
/// Go's crypto/x509 (kubectl) and .NET's SslStream (Kestrel) expect: CAs with critical basic
/// constraints and keyCertSign, leaves with digitalSignature, the right extended key usage and
/// subject/authority key identifiers. Serials are random, positive, 128 bits.
/// </summary>
internal static class CertificateIssuer
{
    /// <summary>Validity starts a little in the past to tolerate clock skew between machines.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");
    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";

    public static X509Certificate2 CreateAuthority(string commonName, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(commonName, []), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now - Backdate, now + validity);
    }

    public static X509Certificate2 IssueServing(X509Certificate2 authority, SubjectAltNames names, DateTimeOffset now, TimeSpan validity)
    {
        // Clients check the SANs, never the CN; upstream's serving certificate is named like this.
        return Issue(authority, Subject("kube-apiserver", []), ServerAuth, names.ToExtension(), now, validity);
    }

    public static X509Certificate2 IssueClient(X509Certificate2 authority, string commonName, IReadOnlyList<string> organizations, DateTimeOffset now, TimeSpan validity) =>
        Issue(authority, Subject(commonName, organizations), ClientAuth, null, now, validity);

    /// <summary>
    /// True when <paramref name="certificate"/>'s signature verifies with <paramref name="authority"/>'s
    /// ECDSA key. Checked directly on the DER, which is far cheaper than building an X509Chain
    /// and keeps server start fast.
    /// </summary>
    public static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(authority.SubjectName.RawData))
        {
            return false;
        }

        using var key = authority.GetECDsaPublicKey();
        if (key is null)
        {
            return false;
        }

        try
        {
            var outer = new AsnReader(certificate.RawData, AsnEncodingRules.DER).ReadSequence();
            var tbs = outer.ReadEncodedValue();
            var algorithm = outer.ReadSequence().ReadObjectIdentifier();
            var signature = outer.ReadBitString(out _);
            return algorithm == EcdsaWithSha256
                && key.VerifyData(tbs.Span, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, X500DistinguishedName subject, Oid usage, X509Extension? names, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));

        // A leaf may not outlive its CA (CertificateRequest.Create refuses it).
        var notBefore = Max(now - Backdate, authority.NotBefore.ToUniversalTime());
        var notAfter = Min(now + validity, authority.NotAfter.ToUniversalTime());
        using var signed = request.Create(authority, notBefore, notAfter, NewSerial());
        return signed.CopyWithPrivateKey(key);
    }

    private static X500DistinguishedName Subject(string commonName, IReadOnlyList<string> organizations)
    {
        var builder = new X500DistinguishedNameBuilder();
        foreach (var organization in organizations)
        {
            builder.AddOrganizationName(organization);
        }

        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        // Positive (Go rejects negative serials) and minimally encoded (no leading zero byte).
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
