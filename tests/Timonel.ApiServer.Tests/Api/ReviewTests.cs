using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// TokenReview and the access reviews with the default (allow-all) authorizer: created, never
/// stored, answered by the server's authenticator and authorizer; bad input gets upstream's Status.
/// </summary>
public sealed class ReviewTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string TokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";
    private const string Sar = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    private const string Ssar = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    private const string Ssrr = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("reviews-home-").FullName);

    [Fact]
    public async Task TokenReview_AdminToken_AuthenticatesAsAdminForApiAudiences()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(TokenReviews, TokenReview(fx.Host.Pki.AdminToken)));

        ApiAssert.Code(201, response);
        Assert.Equal("TokenReview", response.Kind);
        Assert.Equal(fx.Host.Pki.AdminToken, ApiResponse.Str(response.Body!["spec"]!["token"]));
        var status = response.Body!["status"]!;
        Assert.True(status["authenticated"]!.GetValue<bool>());
        Assert.Equal("system:admin", ApiResponse.Str(status["user"]!["username"]));
        Assert.Contains("system:masters", status["user"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.NotEmpty(status["audiences"]!.AsArray());
    }

    [Fact]
    public async Task TokenReview_BadToken_IsNotAuthenticatedWithError()
    {
        var response = await fx.Client.PostAsync(TokenReviews, TokenReview("not-a-token"));

        ApiAssert.Code(201, response);
        var status = response.Body!["status"]!;
        Assert.Null(status["authenticated"]);
        Assert.Equal(new JsonObject().ToJsonString(), status["user"]!.ToJsonString());
        Assert.Equal("invalid bearer token", ApiResponse.Str(status["error"]));
    }

    [Fact]
    public async Task TokenReview_AdminTokenForOtherAudience_IsNotAuthenticated()
    {
        var response = await fx.Client.PostAsync(TokenReviews, TokenReview(fx.Host.Pki.AdminToken, "vault"));

        ApiAssert.Code(201, response);
        Assert.Null(response.Body!["status"]!["authenticated"]);
    }

    [Fact]
    public async Task TokenReview_ServiceAccountToken_HonoursSpecAudiences()
    {
        var ns = await fx.NamespaceAsync("tokenreview");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "robot" } }));
        var issued = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/robot/token", new JsonObject
        {
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["kind"] = "TokenRequest",
            ["spec"] = new JsonObject { ["audiences"] = new JsonArray("vault") },
        });
        ApiAssert.Code(201, issued);
        var token = ApiResponse.Str(issued.Body!["status"]!["token"])!;

        var forVault = await fx.Client.PostAsync(TokenReviews, TokenReview(token, "vault", "other"));
        var forApi = await fx.Client.PostAsync(TokenReviews, TokenReview(token));

        Assert.True(forVault.Body!["status"]!["authenticated"]!.GetValue<bool>(), forVault.ToString());
        Assert.Equal($"system:serviceaccount:{ns}:robot", ApiResponse.Str(forVault.Body!["status"]!["user"]!["username"]));
        Assert.Equal(["vault"], forVault.Body!["status"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Null(forApi.Body!["status"]!["authenticated"]);
        Assert.Contains("is invalid for the target audiences", ApiResponse.Str(forApi.Body!["status"]!["error"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenReview_MissingSpec_IsBadRequest()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(TokenReviews, new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenReview" }));

        ApiAssert.Failure(response, 400, "BadRequest", "token is required for TokenReview in authentication");
    }

    [Fact]
    public async Task TokenReview_WrongKind_IsBadRequest()
    {
        var review = TokenReview("x");
        review["kind"] = "TokenRequest";

        var response = await fx.Client.PostAsync(TokenReviews, review);

        ApiAssert.Failure(response, 400, "BadRequest", "does not match the expected kind");
    }

    [Theory]
    [InlineData("GET", TokenReviews, 405, "MethodNotAllowed")]
    [InlineData("GET", TokenReviews + "?watch=true", 405, "MethodNotAllowed")]
    [InlineData("DELETE", TokenReviews, 405, "MethodNotAllowed")]
    [InlineData("GET", TokenReviews + "/x", 404, "NotFound")]
    [InlineData("GET", Sar, 405, "MethodNotAllowed")]
    [InlineData("PUT", Ssar + "/x", 404, "NotFound")]
    [InlineData("GET", "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews", 405, "MethodNotAllowed")]
    [InlineData("POST", "/apis/authorization.k8s.io/v1/localsubjectaccessreviews", 404, "NotFound")]
    public async Task Reviews_OtherVerbs_AreRefusedAsUpstream(string method, string path, int code, string reason)
    {
        var response = await fx.Client.SendAsync(new HttpMethod(method), path, method is "POST" or "PUT" ? "{}" : null, method is "POST" or "PUT" ? ApiClient.Json : null);

        ApiAssert.Failure(response, code, reason);
    }

    [Fact]
    public async Task SubjectAccessReview_AllowAll_IsAllowedAndEchoesSpec()
    {
        var review = AccessReview("SubjectAccessReview", Resource("default", "create", "pods"));
        review["spec"]!["user"] = "jane";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Sar, review));

        ApiAssert.Code(201, response);
        Assert.Equal("jane", ApiResponse.Str(response.Body!["spec"]!["user"]));
        Assert.True(response.Body!["status"]!["allowed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task SubjectAccessReview_NoSpec_IsInvalidWithUpstreamCauses()
    {
        var response = await fx.Client.PostAsync(Sar, new JsonObject { ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SubjectAccessReview" });

        ApiAssert.Failure(response, 422, "Invalid", "SubjectAccessReview.authorization.k8s.io \"\" is invalid", "exactly one of nonResourceAttributes or resourceAttributes must be specified", "at least one of user or group must be specified");
    }

    [Fact]
    public async Task SubjectAccessReview_BothAttributes_IsInvalid()
    {
        var review = AccessReview("SubjectAccessReview", Resource("default", "get", "pods"));
        review["spec"]!["user"] = "jane";
        review["spec"]!["nonResourceAttributes"] = new JsonObject { ["path"] = "/healthz", ["verb"] = "get" };

        var response = await fx.Client.PostAsync(Sar, review);

        ApiAssert.Failure(response, 422, "Invalid", "spec.nonResourceAttributes", "cannot be specified in combination with resourceAttributes");
    }

    [Fact]
    public async Task SubjectAccessReview_WithName_IsInvalid()
    {
        var review = AccessReview("SubjectAccessReview", Resource("default", "get", "pods"));
        review["spec"]!["user"] = "jane";
        review["metadata"] = new JsonObject { ["name"] = "x" };

        var response = await fx.Client.PostAsync(Sar, review);

        ApiAssert.Failure(response, 422, "Invalid", "metadata", "must be empty");
    }

    [Fact]
    public async Task SubjectAccessReview_UserOfWrongType_IsBadRequest()
    {
        var review = AccessReview("SubjectAccessReview", Resource("default", "get", "pods"));
        review["spec"]!["user"] = 7;

        var response = await fx.Client.PostAsync(Sar, review);

        ApiAssert.Failure(response, 400, "BadRequest", "spec.user");
    }

    [Fact]
    public async Task LocalSubjectAccessReview_WrongNamespace_IsBadRequest()
    {
        var review = AccessReview("LocalSubjectAccessReview", Resource("other", "get", "pods"));
        review["spec"]!["user"] = "jane";

        var response = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews", review);

        ApiAssert.Failure(response, 400, "BadRequest", "spec.resourceAttributes.namespace must match namespace: default");
    }

    [Fact]
    public async Task LocalSubjectAccessReview_NonResource_IsInvalid()
    {
        var review = AccessReview("LocalSubjectAccessReview", null);
        review["spec"]!["user"] = "jane";
        review["spec"]!["nonResourceAttributes"] = new JsonObject { ["path"] = "/healthz", ["verb"] = "get" };

        var response = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews", review);

        ApiAssert.Failure(response, 422, "Invalid", "disallowed on this kind of request");
    }

    [Fact]
    public async Task LocalSubjectAccessReview_SameNamespace_IsAllowedWithNamespaceInMetadata()
    {
        var review = AccessReview("LocalSubjectAccessReview", Resource("default", "get", "pods"));
        review["spec"]!["groups"] = new JsonArray("devs");

        var response = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews", review);

        ApiAssert.Code(201, response);
        Assert.Equal("default", ApiResponse.Str(response.Body!["metadata"]!["namespace"]));
        Assert.True(response.Body!["status"]!["allowed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task SelfSubjectAccessReview_NoAttributes_IsInvalid()
    {
        var response = await fx.Client.PostAsync(Ssar, AccessReview("SelfSubjectAccessReview", null));

        ApiAssert.Failure(response, 422, "Invalid", "SelfSubjectAccessReview.authorization.k8s.io", "exactly one of nonResourceAttributes or resourceAttributes must be specified");
    }

    [Fact]
    public async Task SelfSubjectRulesReview_NoNamespace_IsBadRequest()
    {
        var response = await fx.Client.PostAsync(Ssrr, new JsonObject { ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SelfSubjectRulesReview", ["spec"] = new JsonObject() });

        ApiAssert.Failure(response, 400, "BadRequest", "no namespace on request");
    }

    [Fact]
    public async Task SelfSubjectRulesReview_AllowAll_IsEverything()
    {
        var response = await fx.Client.PostAsync(Ssrr, new JsonObject { ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SelfSubjectRulesReview", ["spec"] = new JsonObject { ["namespace"] = "default" } });

        ApiAssert.Code(201, response);
        var status = response.Body!["status"]!;
        Assert.False(status["incomplete"]!.GetValue<bool>());
        Assert.Equal("""[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}]""", status["resourceRules"]!.ToJsonString());
        Assert.Equal("""[{"verbs":["*"],"nonResourceURLs":["*"]}]""", status["nonResourceRules"]!.ToJsonString());
    }

    [Fact]
    public async Task KubectlAuthCanI_AllowAll_SaysYes()
    {
        var run = await Kubectl().RunAsync(["auth", "can-i", "create", "pods"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("yes", run.Stdout.Trim());
    }

    [Fact]
    public async Task KubectlAuthCanIList_AllowAll_ListsEverything()
    {
        var run = await Kubectl().RunAsync(["auth", "can-i", "--list"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["*.*", "[]", "[]", "[*]"]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["[*]", "[]", "[*]"]);
    }

    [Fact]
    public async Task KubectlAuthWhoami_Admin_IsSystemAdmin()
    {
        var run = await Kubectl().RunAsync(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("system:admin", run.Stdout.Trim());
    }

    [Fact]
    public async Task Discovery_Reviews_AreCreateOnlyWithoutStorageHash()
    {
        foreach (var (gv, names) in new[] { ("authentication.k8s.io/v1", new[] { "selfsubjectreviews", "tokenreviews" }), ("authorization.k8s.io/v1", new[] { "localsubjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews" }) })
        {
            var list = await fx.Client.GetAsync($"/apis/{gv}");

            ApiAssert.Code(200, list);
            var entries = list.Body!["resources"]!.AsArray();
            Assert.Equal(names, entries.Select(e => ApiResponse.Str(e?["name"])));
            Assert.All(entries, e => Assert.Equal("""["create"]""", e!["verbs"]!.ToJsonString()));
            Assert.All(entries, e => Assert.Null(e!["storageVersionHash"]));
        }

        var core = await fx.Client.GetAsync("/api/v1");
        var cs = core.Body!["resources"]!.AsArray().Single(r => ApiResponse.Str(r?["name"]) == "componentstatuses")!;
        Assert.Equal("""["get","list"]""", cs["verbs"]!.ToJsonString());
    }

    private static JsonObject TokenReview(string token, params string[] audiences)
    {
        var spec = new JsonObject { ["token"] = token };
        if (audiences.Length > 0)
        {
            spec["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode?)a)]);
        }

        return new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenReview", ["spec"] = spec };
    }

    internal static JsonObject AccessReview(string kind, JsonObject? resourceAttributes)
    {
        var spec = new JsonObject();
        if (resourceAttributes is not null)
        {
            spec["resourceAttributes"] = resourceAttributes;
        }

        return new JsonObject { ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = kind, ["spec"] = spec };
    }

    internal static JsonObject Resource(string ns, string verb, string resource) =>
        new() { ["namespace"] = ns, ["verb"] = verb, ["resource"] = resource };
}
