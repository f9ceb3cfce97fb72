using Timonel.ApiServer.Security;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// `kubectl --as`: the request acts as the impersonated user once the authenticated user is
/// authorized to impersonate it (each user, group, service account and UID asked for), and
/// the authorizer then sees the impersonated user, as upstream's impersonation filter does.
/// </summary>
public sealed class ImpersonationTests(AuthorizationFixture fx) : IClassFixture<AuthorizationFixture>, IDisposable
{
    private readonly KubectlRunner _kubectl = new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("impersonation-home-").FullName);

    public void Dispose() => fx.Authorizer.Rule = null;

    [Fact]
    public async Task Impersonate_UserAndGroups_AuthorizedForEachThenRequestActsAsThem()
    {
        var before = fx.Authorizer.Seen.Count;

        var whoami = await _kubectl.RunAsync(["auth", "whoami", "--as", "jane", "--as-group", "devs", "--as-group", "ops", "--as-uid", "u-1", "-o", "jsonpath={.status.userInfo.username}/{.status.userInfo.groups}/{.status.userInfo.uid}"]);

        Assert.True(whoami.ExitCode == 0, whoami.Stderr);
        Assert.Equal("jane/[\"devs\",\"ops\",\"system:authenticated\"]/u-1", whoami.Stdout);
        var seen = fx.Authorizer.Seen.Skip(before).ToList();
        var impersonations = seen.Where(a => a.Verb == "impersonate").ToList();
        Assert.Equal(
            [("", "users", "jane"), ("", "groups", "devs"), ("", "groups", "ops"), ("authentication.k8s.io", "uids", "u-1")],
            impersonations.Select(a => (a.ApiGroup, a.Resource, a.Name)).ToList());
        Assert.All(impersonations, a => Assert.Equal(UserInfo.AdminName, a.User.Name));
        var review = Assert.Single(seen, a => a.Resource == "selfsubjectreviews");
        Assert.Equal("jane", review.User.Name);
        Assert.Equal(["devs", "ops", UserInfo.AuthenticatedGroup], review.User.Groups);
    }

    [Fact]
    public async Task Impersonate_ServiceAccount_CheckedAsThatAccountWithItsGroups()
    {
        var before = fx.Authorizer.Seen.Count;

        var whoami = await _kubectl.RunAsync(["auth", "whoami", "--as", "system:serviceaccount:team:builder", "-o", "jsonpath={.status.userInfo.username}/{.status.userInfo.groups}"]);

        Assert.True(whoami.ExitCode == 0, whoami.Stderr);
        Assert.Equal("system:serviceaccount:team:builder/[\"system:serviceaccounts\",\"system:serviceaccounts:team\",\"system:authenticated\"]", whoami.Stdout);
        var check = Assert.Single(fx.Authorizer.Seen.Skip(before), a => a.Verb == "impersonate");
        Assert.Equal(("serviceaccounts", "team", "builder"), (check.Resource, check.Namespace, check.Name));
    }

    [Fact]
    public async Task Impersonate_NotAllowed_Is403WithUpstreamMessageAndWritesNothing()
    {
        var ns = await fx.NamespaceAsync("imp");
        fx.Authorizer.Rule = a => a.Verb == "impersonate" && a.Name == "mallory" ? AuthorizationDecision.NoOpinion : AuthorizationDecision.Allow;

        var refused = await _kubectl.RunAsync(["create", "configmap", "cm", "-n", ns, "--as", "mallory"]);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("users \"mallory\" is forbidden: User \"system:admin\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(404, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/cm")).Code);

        // Another user may be impersonated: the refusal was about mallory.
        var allowed = await _kubectl.RunAsync(["create", "configmap", "cm", "-n", ns, "--as", "jane"]);
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
    }

    [Fact]
    public async Task Impersonate_GroupWithoutUser_Is400()
    {
        var response = await fx.Client.GetWithHeadersAsync("/api/v1/namespaces", null, ("Impersonate-Group", "devs"));

        Assert.Equal(400, response.Code);
        Assert.Contains("without impersonating a user", response.Text, StringComparison.Ordinal);
    }
}
