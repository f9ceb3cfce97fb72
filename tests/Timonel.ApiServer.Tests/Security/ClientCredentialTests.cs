using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

/// <summary>
/// Credentials over real TLS connections to the API server, judged as kube-apiserver 1.33 judges
/// them: the handshake takes any client certificate; the x509 authenticator refuses one that does
/// not verify, the bearer token authenticator is tried next, and only when none succeeds is the
/// answer a 401 Status.
/// </summary>
public sealed class ClientCredentialTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string Path = "/api/v1/namespaces/default";

    private ClusterPki Pki => fx.Host.Pki;

    private HttpClient Client(X509Certificate2? certificate, string? authorization)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, errors) =>
            server is X509Certificate2 leaf && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && TestCertificates.ChainsTo(leaf, Pki.ServerCa);
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }

        var client = new HttpClient(handler) { BaseAddress = new Uri(fx.Host.Url) };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        return client;
    }

    private async Task<(int Code, JsonNode? Body, HttpResponseMessage Response)> GetAsync(X509Certificate2? certificate, string? authorization)
    {
        using var client = Client(certificate, authorization);
        var response = await client.GetAsync(new Uri(Path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    private static void AssertUnauthorized((int Code, JsonNode? Body, HttpResponseMessage Response) answer)
    {
        Assert.Equal(401, answer.Code);
        Assert.Equal("Status", ApiResponse.Str(answer.Body?["kind"]));
        Assert.Equal("Unauthorized", ApiResponse.Str(answer.Body?["reason"]));
        Assert.Equal("Unauthorized", ApiResponse.Str(answer.Body?["message"]));
        Assert.Equal(401, (int?)answer.Body?["code"]);
    }

    [Fact]
    public async Task Request_CertificateFromTheClientCa_Is200()
    {
        using var certificate = TestCertificates.Issue(Pki.ClientCa, "O=system:masters, CN=alice", ClientAuth, DateTimeOffset.UtcNow.AddDays(1));

        var answer = await GetAsync(certificate, null);

        Assert.Equal(200, answer.Code);
    }

    [Fact]
    public async Task Request_CertificateFromAnotherCa_Is401Status()
    {
        using var forged = TestCertificates.FromForeignCa("O=system:masters, CN=system:admin");

        AssertUnauthorized(await GetAsync(forged, null));
    }

    [Fact]
    public async Task Request_CertificateFromAnotherCaWithAValidBearerToken_Is200()
    {
        using var forged = TestCertificates.FromForeignCa("O=system:masters, CN=system:admin");

        var answer = await GetAsync(forged, $"Bearer {Pki.AdminToken}");

        Assert.Equal(200, answer.Code);
    }

    [Fact]
    public async Task Request_ExpiredCertificateFromTheClientCa_Is401Status()
    {
        // Valid for the CA's first second only (a leaf may not start before its CA does).
        var start = new DateTimeOffset(Pki.ClientCa.NotBefore.ToUniversalTime());
        Assert.True(start.AddSeconds(1) < DateTimeOffset.UtcNow, "the client CA is too new to have an expired leaf");
        using var expired = TestCertificates.Issue(Pki.ClientCa, "O=system:masters, CN=alice", ClientAuth, start.AddSeconds(1), start);

        AssertUnauthorized(await GetAsync(expired, null));
    }

    [Fact]
    public async Task Request_ServerAuthOnlyCertificateFromTheClientCa_Is401Status()
    {
        using var serverOnly = TestCertificates.Issue(Pki.ClientCa, "O=system:masters, CN=alice", ServerAuth, DateTimeOffset.UtcNow.AddDays(1));

        AssertUnauthorized(await GetAsync(serverOnly, null));
    }

    [Theory]
    [InlineData("Bearer {0}")]
    [InlineData("bearer {0}")]
    [InlineData("BEARER {0}")]
    [InlineData("  Bearer {0}  ")]
    [InlineData("Bearer {0} trailing words")]
    public async Task Request_BearerTokenAsUpstreamReadsIt_Is200(string header)
    {
        var answer = await GetAsync(null, string.Format(System.Globalization.CultureInfo.InvariantCulture, header, Pki.AdminToken));

        Assert.Equal(200, answer.Code);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer\t{0}")]
    [InlineData("Basic {0}")]
    [InlineData("Bearer not-the-token")]
    [InlineData("{0}")]
    public async Task Request_BadAuthorizationHeader_Is401Status(string header)
    {
        AssertUnauthorized(await GetAsync(null, string.Format(System.Globalization.CultureInfo.InvariantCulture, header, Pki.AdminToken)));
    }

    [Fact]
    public async Task Request_TwoSpacesBeforeTheToken_Is401WithUpstreamsWarning()
    {
        var answer = await GetAsync(null, $"Bearer  {Pki.AdminToken}");

        AssertUnauthorized(answer);
        Assert.Contains($"299 - \"{Authenticator.ExtraSpaceWarning}\"", answer.Response.Headers.GetValues("Warning"));
    }
}
