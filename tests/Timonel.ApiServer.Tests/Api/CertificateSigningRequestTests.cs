using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>A CSR's requester fields are the authenticated user's at create, whatever was sent, and its spec never changes afterwards.</summary>
public sealed class CertificateSigningRequestTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

    [Fact]
    public async Task Create_ClaimedRequester_IsReplacedByTheAuthenticatedUser()
    {
        var csr = Csr("requester-claimed");
        csr["spec"]!["username"] = "mallory";
        csr["spec"]!["uid"] = "fake-uid";
        csr["spec"]!["groups"] = new JsonArray("system:nodes");
        csr["spec"]!["extra"] = new JsonObject { ["k"] = new JsonArray("v") };

        var created = await fx.Client.PostAsync(Csrs, csr);

        ApiAssert.Code(201, created);
        var stored = (await fx.Client.GetAsync($"{Csrs}/requester-claimed")).Object["spec"]!;
        Assert.Equal("system:admin", ApiResponse.Str(stored["username"]));
        Assert.Null(stored["uid"]);
        Assert.Null(stored["extra"]);
        Assert.Equal(["system:masters", "system:authenticated"], stored["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
    }

    [Fact]
    public async Task Update_ChangedSpec_KeepsTheStoredSpec()
    {
        ApiAssert.Code(201, await fx.Client.PostAsync(Csrs, Csr("requester-update")));
        var current = (await fx.Client.GetAsync($"{Csrs}/requester-update")).Object;
        current["spec"]!["username"] = "mallory";
        current["spec"]!["groups"] = new JsonArray("system:masters", "evil");
        current["metadata"]!["labels"] = new JsonObject { ["touched"] = "yes" };

        var updated = await fx.Client.PutAsync($"{Csrs}/requester-update", current);

        ApiAssert.Code(200, updated);
        var stored = (await fx.Client.GetAsync($"{Csrs}/requester-update")).Object;
        Assert.Equal("yes", ApiResponse.Str(stored["metadata"]!["labels"]!["touched"]));
        Assert.Equal("system:admin", ApiResponse.Str(stored["spec"]!["username"]));
        Assert.DoesNotContain("evil", stored["spec"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
    }

    private static JsonObject Csr(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = new CertificateRequest("CN=requester", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        return new JsonObject
        {
            ["apiVersion"] = "certificates.k8s.io/v1",
            ["kind"] = "CertificateSigningRequest",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["signerName"] = "example.com/signer",
                ["usages"] = new JsonArray("client auth"),
                ["request"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(pem)),
            },
        };
    }
}
