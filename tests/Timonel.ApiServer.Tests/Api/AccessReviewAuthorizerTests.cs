using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>The access reviews ask the server's own authorizer (here a recording, denying one), never answer themselves.</summary>
public sealed class AccessReviewAuthorizerTests(AuthorizationFixture fx) : IClassFixture<AuthorizationFixture>, IDisposable
{
    private const string Reason = "pods are off limits in this test";

    public void Dispose() => fx.Authorizer.Rule = null;

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("access-home-").FullName);

    [Fact]
    public async Task SelfSubjectAccessReview_DenyingAuthorizer_ReportsDeniedWithReason()
    {
        fx.Authorizer.Rule = DenyPods;
        var review = ReviewTests.AccessReview("SelfSubjectAccessReview", ReviewTests.Resource("team", "create", "pods"));

        var response = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review);

        ApiAssert.Code(201, response);
        var status = response.Body!["status"]!;
        Assert.False(status["allowed"]!.GetValue<bool>());
        Assert.True(status["denied"]!.GetValue<bool>());
        Assert.Equal(Reason, ApiResponse.Str(status["reason"]));
        var asked = fx.Authorizer.Seen.Last(a => a.Resource == "pods");
        Assert.Equal(("system:admin", "create", "team", "*", true), (asked.User.Name, asked.Verb, asked.Namespace, asked.ApiVersion, asked.IsResourceRequest));
    }

    [Fact]
    public async Task SubjectAccessReview_DenyingAuthorizer_JudgesTheSpecUser()
    {
        fx.Authorizer.Rule = a => a.Resource == "pods" && a.User.Name == "jane" ? AuthorizationDecision.Deny(Reason) : AuthorizationDecision.Allow;
        var forJane = ReviewTests.AccessReview("SubjectAccessReview", ReviewTests.Resource("team", "get", "pods"));
        forJane["spec"]!["user"] = "jane";
        forJane["spec"]!["groups"] = new JsonArray("devs");
        var forBob = ReviewTests.AccessReview("SubjectAccessReview", ReviewTests.Resource("team", "get", "pods"));
        forBob["spec"]!["user"] = "bob";

        var jane = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", forJane);
        var bob = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", forBob);

        Assert.False(jane.Body!["status"]!["allowed"]!.GetValue<bool>());
        Assert.Equal(Reason, ApiResponse.Str(jane.Body!["status"]!["reason"]));
        Assert.True(bob.Body!["status"]!["allowed"]!.GetValue<bool>());
        var asked = fx.Authorizer.Seen.Last(a => a.User.Name == "jane");
        Assert.Equal(["devs"], asked.User.Groups);
    }

    [Fact]
    public async Task SubjectAccessReview_NoOpinion_IsNeitherAllowedNorDenied()
    {
        fx.Authorizer.Rule = a => a.Resource == "pods" ? AuthorizationDecision.NoOpinion : AuthorizationDecision.Allow;
        var review = ReviewTests.AccessReview("SubjectAccessReview", ReviewTests.Resource("team", "get", "pods"));
        review["spec"]!["user"] = "jane";

        var response = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", review);

        Assert.False(response.Body!["status"]!["allowed"]!.GetValue<bool>());
        Assert.Null(response.Body!["status"]!["denied"]);
    }

    [Fact]
    public async Task KubectlAuthCanI_DenyingAuthorizer_SaysNoWithReason()
    {
        fx.Authorizer.Rule = DenyPods;

        var denied = await Kubectl().RunAsync(["auth", "can-i", "create", "pods"]);
        var allowed = await Kubectl().RunAsync(["auth", "can-i", "create", "configmaps"]);

        Assert.Equal(1, denied.ExitCode);
        Assert.Equal($"no - {Reason}", denied.Stdout.Trim());
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        Assert.Equal("yes", allowed.Stdout.Trim());
    }

    [Fact]
    public async Task SelfSubjectRulesReview_AuthorizerWithoutRules_IsIncomplete()
    {
        var response = await fx.Client.PostAsync("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", new JsonObject
        {
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["kind"] = "SelfSubjectRulesReview",
            ["spec"] = new JsonObject { ["namespace"] = "default" },
        });

        ApiAssert.Code(201, response);
        Assert.True(response.Body!["status"]!["incomplete"]!.GetValue<bool>());
        Assert.Equal("[]", response.Body!["status"]!["resourceRules"]!.ToJsonString());
        Assert.Contains("does not support user rule resolution", ApiResponse.Str(response.Body!["status"]!["evaluationError"]), StringComparison.Ordinal);
    }

    // Only the reviewed request is refused: the review itself (a create of a review) is allowed.
    private static AuthorizationDecision DenyPods(RequestAttributes a) =>
        a.Resource == "pods" ? AuthorizationDecision.Deny(Reason) : AuthorizationDecision.Allow;
}
