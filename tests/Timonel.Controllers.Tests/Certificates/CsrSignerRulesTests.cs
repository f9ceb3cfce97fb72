using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Timonel.Controllers.Certificates;
using Xunit;

namespace Timonel.Controllers.Tests.Certificates;

/// <summary>Upstream's per-signer request rules, with their exact messages.</summary>
public sealed class CsrSignerRulesTests
{
    private static readonly string[] KubeletUsages = ["digital signature", "key encipherment", "client auth"];

    [Fact]
    public void KubeletClient_ValidNodeRequest_Accepted()
    {
        Assert.Null(CsrSignerRules.KubeletClient(Parse("system:node:a", ["system:nodes"]), KubeletUsages));
        Assert.Null(CsrSignerRules.KubeletClient(Parse("system:node:a", ["system:nodes"]), ["client auth", "digital signature"]));
    }

    [Theory]
    [InlineData("system:node:a", "system:masters", "subject organization is not system:nodes")]
    [InlineData("jane", "system:nodes", "subject common name does not begin with system:node:")]
    public void KubeletClient_WrongSubject_UpstreamMessage(string commonName, string organization, string expected)
    {
        Assert.Equal(expected, CsrSignerRules.KubeletClient(Parse(commonName, [organization]), KubeletUsages));
    }

    [Fact]
    public void KubeletClient_ExtraOrganization_Refused()
    {
        Assert.Equal("subject organization is not system:nodes", CsrSignerRules.KubeletClient(Parse("system:node:a", ["system:nodes", "other"]), KubeletUsages));
    }

    [Fact]
    public void KubeletClient_DnsName_Refused()
    {
        Assert.Equal("DNS subjectAltNames are not allowed", CsrSignerRules.KubeletClient(Parse("system:node:a", ["system:nodes"], dns: "a.example"), KubeletUsages));
    }

    [Fact]
    public void KubeletClient_ServerAuthUsage_UsagesDidNotMatch()
    {
        Assert.Equal("usages did not match [client auth server auth]", CsrSignerRules.KubeletClient(Parse("system:node:a", ["system:nodes"]), ["server auth", "client auth"]));
    }

    [Fact]
    public void KubeletServing_NoSubjectAltName_Refused()
    {
        Assert.Equal("DNS or IP subjectAltName is required", CsrSignerRules.KubeletServing(Parse("system:node:a", ["system:nodes"]), ["digital signature", "server auth"]));
        Assert.Null(CsrSignerRules.KubeletServing(Parse("system:node:a", ["system:nodes"], ip: IPAddress.Loopback), ["digital signature", "server auth"]));
    }

    [Theory]
    [InlineData("client auth", null)]
    [InlineData("digital signature,key encipherment,client auth", null)]
    [InlineData("digital signature", "missing required usage for client certificate: client auth")]
    [InlineData("client auth,code signing", "invalid usage for client certificate: code signing")]
    public void ApiServerClientUsages_Usages_UpstreamRule(string usages, string? expected)
    {
        Assert.Equal(expected, CsrSignerRules.ApiServerClientUsages(usages.Split(',')));
    }

    [Theory]
    [InlineData(null, 7200)]
    [InlineData(3600, 3600)]
    [InlineData(1, 600)]
    [InlineData(999999, 7200)]
    public void Duration_ExpirationSeconds_BoundedAsUpstream(int? requested, int expected)
    {
        Assert.Equal(TimeSpan.FromSeconds(expected), CsrCertificateFactory.Duration(TimeSpan.FromHours(2), requested));
    }

    [Fact]
    public void TryParse_NotARequest_False()
    {
        Assert.False(ParsedCsr.TryParse(Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"), out _, out var error));
        Assert.NotEmpty(error);
    }

    private static ParsedCsr Parse(string commonName, string[] organizations, string? dns = null, IPAddress? ip = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var o in organizations)
        {
            subject.AddOrganizationName(o);
        }

        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        if (dns is not null || ip is not null)
        {
            var sans = new SubjectAlternativeNameBuilder();
            if (dns is not null)
            {
                sans.AddDnsName(dns);
            }

            if (ip is not null)
            {
                sans.AddIpAddress(ip);
            }

            request.CertificateExtensions.Add(sans.Build());
        }

        Assert.True(ParsedCsr.TryParse(Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()), out var parsed, out var error), error);
        return parsed!;
    }
}
