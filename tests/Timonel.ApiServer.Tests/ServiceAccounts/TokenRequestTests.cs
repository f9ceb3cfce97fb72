using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;
using static Timonel.ApiServer.Tests.ServiceAccounts.ServiceAccountTestSupport;

namespace Timonel.ApiServer.Tests.ServiceAccounts;

/// <summary>POST serviceaccounts/&lt;name&gt;/token: defaults, upstream's claims, binding, and bad input.</summary>
public sealed class TokenRequestTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";

    [Fact]
    public async Task Create_EmptySpec_SignsOneHourTokenForTheApiAudience()
    {
        var ns = await fx.NamespaceAsync("tr-default");
        var uid = await CreateAccountAsync(fx, ns, "robot");

        var answer = await fx.Client.PostAsync(TokenPath(ns, "robot"), Request());

        ApiAssert.Code(201, answer);
        Assert.Equal("TokenRequest", answer.Kind);
        Assert.Equal("authentication.k8s.io/v1", ApiResponse.Str(answer.Body?["apiVersion"]));
        Assert.Equal(3600, (long?)answer.Body?["spec"]?["expirationSeconds"]);
        Assert.Equal(Issuer, ApiResponse.Str(answer.Body?["spec"]?["audiences"]?[0]));
        var token = ApiResponse.Str(answer.Body?["status"]?["token"])!;
        var header = Header(token);
        Assert.Equal("ES256", (string?)header["alg"]);
        Assert.False(string.IsNullOrEmpty((string?)header["kid"]));
        var claims = Payload(token);
        Assert.Equal(Issuer, (string?)claims["iss"]);
        Assert.Equal($"system:serviceaccount:{ns}:robot", (string?)claims["sub"]);
        Assert.Equal(Issuer, (string?)claims["aud"]?[0]);
        Assert.Equal(3600, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal((long)claims["iat"]!, (long)claims["nbf"]!);
        Assert.Equal(ns, (string?)claims["kubernetes.io"]?["namespace"]);
        Assert.Equal("robot", (string?)claims["kubernetes.io"]?["serviceaccount"]?["name"]);
        Assert.Equal(uid, (string?)claims["kubernetes.io"]?["serviceaccount"]?["uid"]);
        Assert.Null(claims["kubernetes.io"]?["pod"]);
        var expires = DateTimeOffset.Parse(ApiResponse.Str(answer.Body?["status"]?["expirationTimestamp"])!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]!), expires);
    }

    [Fact]
    public async Task Create_AudiencesAndDuration_AreSignedAsAsked()
    {
        var ns = await fx.NamespaceAsync("tr-aud");
        await CreateAccountAsync(fx, ns, "robot");

        var token = await TokenAsync(fx, ns, "robot", Request(seconds: 7200, audiences: new JsonArray("vault", "https://example.test")));

        var claims = Payload(token);
        Assert.Equal(["vault", "https://example.test"], claims["aud"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(7200, (long)claims["exp"]! - (long)claims["iat"]!);
    }

    [Fact]
    public async Task Create_BoundToPod_CarriesPodAndChecksItsAccount()
    {
        var ns = await fx.NamespaceAsync("tr-pod");
        await CreateAccountAsync(fx, ns, "default");
        var pod = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("web"));
        ApiAssert.Code(201, pod);
        var podUid = ApiResponse.Str(pod.Body?["metadata"]?["uid"]);

        var answer = await fx.Client.PostAsync(TokenPath(ns, "default"), Request(bound: new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = "web" }));

        ApiAssert.Code(201, answer);
        Assert.Equal(podUid, ApiResponse.Str(answer.Body?["spec"]?["boundObjectRef"]?["uid"]));
        var claims = Payload(ApiResponse.Str(answer.Body?["status"]?["token"])!);
        Assert.Equal("web", (string?)claims["kubernetes.io"]?["pod"]?["name"]);
        Assert.Equal(podUid, (string?)claims["kubernetes.io"]?["pod"]?["uid"]);

        // The pod runs as "default": a token of another account cannot be bound to it.
        await CreateAccountAsync(fx, ns, "other");
        var mismatch = await fx.Client.PostAsync(TokenPath(ns, "other"), Request(bound: new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = "web" }));
        ApiAssert.Failure(mismatch, 400, "BadRequest", "cannot bind token for serviceaccount \"other\" to pod running with different serviceaccount name.");
    }

    [Fact]
    public async Task Create_KubeletExpiration_IsExtendedWithWarnAfter()
    {
        var ns = await fx.NamespaceAsync("tr-kubelet");
        await CreateAccountAsync(fx, ns, "default");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("web")));

        var answer = await fx.Client.PostAsync(TokenPath(ns, "default"), Request(seconds: 3607, bound: new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = "web" }));

        ApiAssert.Code(201, answer);
        var claims = Payload(ApiResponse.Str(answer.Body?["status"]?["token"])!);
        var iat = (long)claims["iat"]!;
        Assert.Equal(365L * 24 * 3600, (long)claims["exp"]! - iat);
        Assert.Equal(3607, (long)claims["kubernetes.io"]!["warnafter"]! - iat);
    }

    [Fact]
    public async Task Create_MissingServiceAccount_NotFound()
    {
        var ns = await fx.NamespaceAsync("tr-missing");

        var answer = await fx.Client.PostAsync(TokenPath(ns, "ghost"), Request());

        ApiAssert.Failure(answer, 404, "NotFound", "serviceaccounts \"ghost\" not found");
    }

    [Theory]
    [InlineData(60, "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes")]
    [InlineData(599, "may not specify a duration less than 10 minutes")]
    [InlineData(4294967297, "may not specify a duration larger than 2^32 seconds")]
    public async Task Create_BadExpiration_Invalid(long seconds, string message)
    {
        var ns = await fx.NamespaceAsync("tr-exp");
        await CreateAccountAsync(fx, ns, "robot");

        var answer = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(TokenPath(ns, "robot"), Request(seconds: seconds)));

        ApiAssert.Failure(answer, 422, "Invalid", "TokenRequest.authentication.k8s.io \"robot\" is invalid", message);
    }

    [Fact]
    public async Task Create_ExpirationNotANumber_BadRequest()
    {
        var ns = await fx.NamespaceAsync("tr-nan");
        await CreateAccountAsync(fx, ns, "robot");
        var request = Request();
        request["spec"]!["expirationSeconds"] = "an hour";

        var answer = await fx.Client.PostAsync(TokenPath(ns, "robot"), request);

        ApiAssert.Failure(answer, 400, "BadRequest", "expirationSeconds");
    }

    [Fact]
    public async Task Create_BoundToDeployment_BadRequest()
    {
        var ns = await fx.NamespaceAsync("tr-kind");
        await CreateAccountAsync(fx, ns, "robot");

        var answer = await fx.Client.PostAsync(TokenPath(ns, "robot"), Request(bound: new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "web" }));

        ApiAssert.Failure(answer, 400, "BadRequest", "cannot bind token to object of type apps/v1, Kind=Deployment");
    }

    [Fact]
    public async Task Create_BoundPodMissing_NotFound()
    {
        var ns = await fx.NamespaceAsync("tr-nopod");
        await CreateAccountAsync(fx, ns, "default");

        var answer = await fx.Client.PostAsync(TokenPath(ns, "default"), Request(bound: new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = "nope" }));

        ApiAssert.Failure(answer, 404, "NotFound", "pods \"nope\" not found");
    }

    [Fact]
    public async Task Create_BoundSecretWithOtherUid_Conflict()
    {
        var ns = await fx.NamespaceAsync("tr-uid");
        await CreateAccountAsync(fx, ns, "robot");
        var secret = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = new JsonObject { ["name"] = "s" } };
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", secret));

        var answer = await fx.Client.PostAsync(TokenPath(ns, "robot"), Request(bound: new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["name"] = "s", ["uid"] = "00000000-0000-0000-0000-000000000000" }));

        ApiAssert.Failure(answer, 409, "Conflict", "does not match the UID in record");
    }

    [Fact]
    public async Task Get_TokenSubresource_NotServed()
    {
        var ns = await fx.NamespaceAsync("tr-get");
        await CreateAccountAsync(fx, ns, "robot");

        var answer = await fx.Client.GetAsync(TokenPath(ns, "robot"));

        ApiAssert.Failure(answer, 405, "MethodNotAllowed", "only POST");
    }

    [Fact]
    public async Task Create_WrongKind_BadRequest()
    {
        var ns = await fx.NamespaceAsync("tr-wrongkind");
        await CreateAccountAsync(fx, ns, "robot");

        var answer = await fx.Client.PostAsync(TokenPath(ns, "robot"), new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod" });

        ApiAssert.Failure(answer, 400, "BadRequest", "TokenRequest");
    }

    [Fact]
    public async Task Discovery_ServiceAccountsToken_IsACreateSubresource()
    {
        var list = await fx.Client.GetAsync("/api/v1");

        var token = list.Body?["resources"]?.AsArray().FirstOrDefault(r => ApiResponse.Str(r?["name"]) == "serviceaccounts/token");
        Assert.NotNull(token);
        Assert.Equal("TokenRequest", ApiResponse.Str(token["kind"]));
        Assert.Equal("authentication.k8s.io", ApiResponse.Str(token["group"]));
        Assert.Equal(["create"], token["verbs"]!.AsArray().Select(v => (string)v!));
    }
}
