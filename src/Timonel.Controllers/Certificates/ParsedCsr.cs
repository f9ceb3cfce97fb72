using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Timonel.Controllers.Certificates;

/// <summary>
/// The parts of a PKCS#10 request (spec.request, PEM) the signer rules look at: subject common
/// name and organizations, and the subject alternative names by kind. The request's own
/// signature is checked on load, as Go's x509.ParseCertificateRequest + CheckSignature.
/// </summary>
public sealed class ParsedCsr
{
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";
    private const string SubjectAltNameOid = "2.5.29.17";

    private ParsedCsr(CertificateRequest request, X509Extension? subjectAltNames)
    {
        Request = request;
        SubjectAltNames = subjectAltNames;
        foreach (var rdn in request.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            var type = rdn.GetSingleElementType().Value;
            var value = rdn.GetSingleElementValue() ?? "";
            if (type == CommonNameOid)
            {
                CommonName = value;
            }
            else if (type == OrganizationOid)
            {
                Organizations.Add(value);
            }
        }

        if (subjectAltNames is not null)
        {
            ReadSubjectAltNames(subjectAltNames.RawData);
        }
    }

    public CertificateRequest Request { get; }

    /// <summary>The request's subjectAltName extension as sent, copied into the certificate.</summary>
    public X509Extension? SubjectAltNames { get; }

    public string CommonName { get; } = "";

    public List<string> Organizations { get; } = [];

    public List<string> DnsNames { get; } = [];

    public List<string> EmailAddresses { get; } = [];

    public List<string> Uris { get; } = [];

    public List<byte[]> IpAddresses { get; } = [];

    /// <summary>Parses spec.request; false (with upstream's wording in <paramref name="error"/>) when it is no valid, self-signed PEM CERTIFICATE REQUEST.</summary>
    public static bool TryParse(byte[]? request, out ParsedCsr? csr, out string error)
    {
        csr = null;
        if (request is null || request.Length == 0)
        {
            error = "PEM block type must be CERTIFICATE REQUEST";
            return false;
        }

        try
        {
            var loaded = CertificateRequest.LoadSigningRequestPem(
                Encoding.ASCII.GetString(request), HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
            var sans = loaded.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid);
            csr = new ParsedCsr(loaded, sans);
            error = "";
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or AsnContentException)
        {
            error = e.Message;
            return false;
        }
    }

    private void ReadSubjectAltNames(byte[] der)
    {
        var names = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.TagClass != TagClass.ContextSpecific)
            {
                names.ReadEncodedValue();
                continue;
            }

            switch (tag.TagValue)
            {
                case 1:
                    EmailAddresses.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                    break;
                case 2:
                    DnsNames.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                    break;
                case 6:
                    Uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                    break;
                case 7:
                    IpAddresses.Add(names.ReadOctetString(tag));
                    break;
                default:
                    names.ReadEncodedValue();
                    break;
            }
        }
    }
}
