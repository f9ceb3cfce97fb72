using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Controllers.Certificates;

/// <summary>
/// Issues the certificate for an approved request, as upstream's authority: the request's subject,
/// SANs and public key; key usages and extended key usages from spec.usages; not a CA; valid from
/// five minutes ago (clock skew) for the requested duration, never past the CA's own expiry.
/// </summary>
public static class CsrCertificateFactory
{
    /// <summary>Upstream's backdate of notBefore, for machines whose clocks run behind.</summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    /// <summary>The shortest certificate spec.expirationSeconds may ask for (upstream: twice the backdate).</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long the certificate lasts: --cluster-signing-duration, or spec.expirationSeconds when
    /// shorter, but at least <see cref="MinimumDuration"/>.
    /// </summary>
    public static TimeSpan Duration(TimeSpan signingDuration, int? expirationSeconds)
    {
        if (expirationSeconds is not { } seconds)
        {
            return signingDuration;
        }

        var requested = TimeSpan.FromSeconds(seconds);
        return requested > signingDuration ? signingDuration : requested < MinimumDuration ? MinimumDuration : requested;
    }

    /// <summary>The signed certificate as PEM, or throws <see cref="InvalidOperationException"/> when the CA has expired.</summary>
    public static string Issue(X509Certificate2 authority, ParsedCsr csr, IReadOnlyList<string> usages, TimeSpan duration, DateTimeOffset now)
    {
        var caNotAfter = new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        if (now >= caNotAfter)
        {
            throw new InvalidOperationException($"refusing to sign a certificate that expired in the past: NotAfter={caNotAfter:u}");
        }

        var request = new CertificateRequest(csr.Request.SubjectName, csr.Request.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var keyUsage = X509KeyUsageFlags.None;
        var extended = new OidCollection();
        foreach (var usage in usages.Distinct(StringComparer.Ordinal))
        {
            switch (usage)
            {
                case CsrSigners.DigitalSignature:
                    keyUsage |= X509KeyUsageFlags.DigitalSignature;
                    break;
                case CsrSigners.KeyEncipherment:
                    keyUsage |= X509KeyUsageFlags.KeyEncipherment;
                    break;
                case CsrSigners.ClientAuth:
                    extended.Add(new Oid("1.3.6.1.5.5.7.3.2"));
                    break;
                case CsrSigners.ServerAuth:
                    extended.Add(new Oid("1.3.6.1.5.5.7.3.1"));
                    break;
            }
        }

        if (keyUsage != X509KeyUsageFlags.None)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        }

        if (extended.Count > 0)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(extended, false));
        }

        if (csr.SubjectAltNames is { } names)
        {
            request.CertificateExtensions.Add(new X509Extension(names.Oid!, names.RawData, false));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var notBefore = now - Backdate;
        var caNotBefore = new DateTimeOffset(authority.NotBefore.ToUniversalTime());
        notBefore = notBefore < caNotBefore ? caNotBefore : notBefore;
        var notAfter = now + duration;
        notAfter = notAfter > caNotAfter ? caNotAfter : notAfter;
        using var issued = request.Create(authority, notBefore, notAfter, Serial());
        return issued.ExportCertificatePem() + "\n";
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        // Positive and minimally encoded, as Go requires.
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }
}
