using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.ApiServer.ServiceAccounts;
using Timonel.ApiServer.Tests.Api;
using Xunit;
using static Timonel.ApiServer.Tests.ServiceAccounts.ServiceAccountTestSupport;

namespace Timonel.ApiServer.Tests.ServiceAccounts;

/// <summary>Requests carrying service-account tokens: who they are, and every reason a token stops working.</summary>
public sealed class ServiceAccountAuthenticationTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task WhoAmI_ServiceAccountToken_ReportsUserGroupsAndUid()
    {
        var ns = await fx.NamespaceAsync("sa-who");
        var uid = await CreateAccountAsync(fx, ns, "robot");
        using var client = ClientWith(fx, await TokenAsync(fx, ns, "robot"));

        var review = await WhoAmIAsync(client);

        ApiAssert.Code(201, review);
        Assert.Equal("SelfSubjectReview", review.Kind);
        var user = review.Body?["status"]?["userInfo"];
        Assert.Equal($"system:serviceaccount:{ns}:robot", ApiResponse.Str(user?["username"]));
        Assert.Equal(uid, ApiResponse.Str(user?["uid"]));
        Assert.Equal(["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], user!["groups"]!.AsArray().Select(g => (string)g!));
        Assert.StartsWith("JTI=", ApiResponse.Str(user["extra"]?["authentication.kubernetes.io/credential-id"]?[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ServiceAccountToken_IsServedWithoutRbac()
    {
        var ns = await fx.NamespaceAsync("sa-get");
        await CreateAccountAsync(fx, ns, "robot");
        using var client = ClientWith(fx, await TokenAsync(fx, ns, "robot"));

        ApiAssert.Code(200, await client.GetAsync($"/api/v1/namespaces/{ns}/serviceaccounts"));
    }

    [Fact]
    public async Task WhoAmI_AdminToken_IsSystemAdmin()
    {
        var review = await WhoAmIAsync(fx.Client);

        ApiAssert.Code(201, review);
        Assert.Equal("system:admin", ApiResponse.Str(review.Body?["status"]?["userInfo"]?["username"]));
    }

    [Fact]
    public async Task Request_ForeignAudience_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-aud");
        await CreateAccountAsync(fx, ns, "robot");
        using var client = ClientWith(fx, await TokenAsync(fx, ns, "robot", Request(audiences: new JsonArray("vault"))));

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_ServiceAccountDeleted_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-del");
        await CreateAccountAsync(fx, ns, "robot");
        using var client = ClientWith(fx, await TokenAsync(fx, ns, "robot"));
        ApiAssert.Code(201, await WhoAmIAsync(client));

        ApiAssert.Code(200, await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot"));

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_ServiceAccountRecreated_UnauthorizedForOldUid()
    {
        var ns = await fx.NamespaceAsync("sa-recreate");
        await CreateAccountAsync(fx, ns, "robot");
        using var client = ClientWith(fx, await TokenAsync(fx, ns, "robot"));
        ApiAssert.Code(200, await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot"));

        await CreateAccountAsync(fx, ns, "robot");

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_BoundPodDeleted_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-pod");
        await CreateAccountAsync(fx, ns, "default");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("web")));
        using var client = ClientWith(fx, await TokenAsync(fx, ns, "default", Request(bound: new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = "web" })));
        var review = await WhoAmIAsync(client);
        ApiAssert.Code(201, review);
        Assert.Equal("web", ApiResponse.Str(review.Body?["status"]?["userInfo"]?["extra"]?["authentication.kubernetes.io/pod-name"]?[0]));

        // An unscheduled pod is deleted at once (no kubelet to wait for).
        ApiAssert.Code(200, await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/pods/web"));

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_TamperedSignature_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-tamper");
        await CreateAccountAsync(fx, ns, "robot");
        var token = await TokenAsync(fx, ns, "robot");
        var parts = token.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x01;
        using var client = ClientWith(fx, $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}");

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_TamperedClaims_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-claims");
        await CreateAccountAsync(fx, ns, "robot");
        await CreateAccountAsync(fx, ns, "admin");
        var parts = (await TokenAsync(fx, ns, "robot")).Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace(":robot\"", ":admin\"", StringComparison.Ordinal);
        using var client = ClientWith(fx, $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}.{parts[2]}");

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_Expired_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-expired");
        var uid = await CreateAccountAsync(fx, ns, "robot");
        var issuer = new ServiceAccountIssuer(fx.Host.Pki.ServiceAccountKey, ServiceAccountIssuer.DefaultIssuer, []);
        var now = DateTimeOffset.UtcNow;
        var account = new ObjectRef("robot", uid);
        var fresh = new ServiceAccountClaims(issuer.Issuer, [issuer.Issuer], now.AddHours(-1), now.AddHours(1), ns, account);
        var expired = fresh with { IssuedAt = now.AddHours(-2), Expires = now.AddMinutes(-2) };
        using var good = ClientWith(fx, issuer.Sign(fresh.ToJson()));
        using var bad = ClientWith(fx, issuer.Sign(expired.ToJson()));

        ApiAssert.Code(201, await WhoAmIAsync(good));
        ApiAssert.Failure(await WhoAmIAsync(bad), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_NotYetValid_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-nbf");
        var uid = await CreateAccountAsync(fx, ns, "robot");
        var issuer = new ServiceAccountIssuer(fx.Host.Pki.ServiceAccountKey, ServiceAccountIssuer.DefaultIssuer, []);
        var now = DateTimeOffset.UtcNow;
        var future = new ServiceAccountClaims(issuer.Issuer, [issuer.Issuer], now.AddMinutes(10), now.AddHours(2), ns, new ObjectRef("robot", uid));
        using var client = ClientWith(fx, issuer.Sign(future.ToJson()));

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Request_SignedByAnotherKey_Unauthorized()
    {
        var ns = await fx.NamespaceAsync("sa-otherkey");
        var uid = await CreateAccountAsync(fx, ns, "robot");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var stranger = new ServiceAccountIssuer(key, ServiceAccountIssuer.DefaultIssuer, []);
        var now = DateTimeOffset.UtcNow;
        var claims = new ServiceAccountClaims(stranger.Issuer, [stranger.Issuer], now, now.AddHours(1), ns, new ObjectRef("robot", uid));
        using var client = ClientWith(fx, stranger.Sign(claims.ToJson()));

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Theory]
    [InlineData("eyJhbGciOiJFUzI1NiJ9")]
    [InlineData("eyJ.eyJ.sig")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCJ9.")]
    public async Task Request_MalformedJwt_Unauthorized(string token)
    {
        using var client = ClientWith(fx, token);

        ApiAssert.Failure(await WhoAmIAsync(client), 401, "Unauthorized");
    }

    [Fact]
    public async Task Jwks_PublishesTheKeyThatVerifiesIssuedTokens()
    {
        var ns = await fx.NamespaceAsync("sa-jwks");
        await CreateAccountAsync(fx, ns, "robot");
        var token = await TokenAsync(fx, ns, "robot");

        var config = await fx.Client.GetAsync("/.well-known/openid-configuration");
        var jwks = await fx.Client.SendAsync(HttpMethod.Get, "/openid/v1/jwks");

        ApiAssert.Code(200, config);
        Assert.Equal(ServiceAccountIssuer.DefaultIssuer, ApiResponse.Str(config.Body?["issuer"]));
        Assert.EndsWith("/openid/v1/jwks", ApiResponse.Str(config.Body?["jwks_uri"]), StringComparison.Ordinal);
        Assert.Equal("ES256", ApiResponse.Str(config.Body?["id_token_signing_alg_values_supported"]?[0]));
        ApiAssert.Code(200, jwks);
        Assert.Equal("application/jwk-set+json", jwks.ContentType);
        var key = JsonNode.Parse(jwks.Text)!["keys"]![0]!;
        Assert.Equal((string?)Header(token)["kid"], (string?)key["kid"]);
        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars((string)key["x"]!), Y = Base64Url.DecodeFromChars((string)key["y"]!) },
        });
        var last = token.LastIndexOf('.');
        Assert.True(verifier.VerifyData(Encoding.ASCII.GetBytes(token[..last]), Base64Url.DecodeFromChars(token.AsSpan(last + 1)), HashAlgorithmName.SHA256));
    }

    [Fact]
    public async Task Jwks_Post_MethodNotAllowed()
    {
        var answer = await fx.Client.PostAsync("/openid/v1/jwks", new JsonObject());

        ApiAssert.Failure(answer, 405, "MethodNotAllowed");
    }
}
