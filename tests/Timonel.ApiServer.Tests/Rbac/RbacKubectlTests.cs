using Timonel.Testing;
using Xunit;
using static Timonel.ApiServer.Tests.Rbac.RbacFixture;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>The real kubectl 1.33's `auth can-i` (SelfSubjectAccessReview, SelfSubjectRulesReview) answers by the RBAC rules.</summary>
public sealed class RbacKubectlTests(RbacFixture fx) : IClassFixture<RbacFixture>
{
    private readonly KubectlRunner _kubectl = new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("rbac-kubectl-home-").FullName);

    /// <summary>
    /// What upstream's bootstrap system:discovery and system:basic-user give every authenticated
    /// user, which kubectl needs to ask at all (this fixture has no default roles).
    /// </summary>
    private async Task BasicUserAsync()
    {
        var role = RoleObject("ClusterRole", "test-basic-user", Rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]), UrlRule(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", "/version", "/version/"]));
        var created = await fx.Client.PostAsync($"{RbacFixture.Rbac}/clusterroles", role);
        if (created.Code == 201)
        {
            await fx.ClusterBindAsync("test-basic-user", "test-basic-user", Subject("Group", "system:authenticated"));
        }
    }

    [Fact]
    public async Task CanI_AnswersYesAndNoPerRbac()
    {
        await BasicUserAsync();
        var ns = await fx.NamespaceAsync("rbac-cani");
        await fx.GrantAsync(ns, "reader", [Rule(["get", "list"], [""], ["pods"]), Rule(["get"], [""], ["pods/log"])], User("cani"));

        var list = await _kubectl.RunAsync(["auth", "can-i", "list", "pods", "-n", ns, "--as", "cani"]);
        var logs = await _kubectl.RunAsync(["auth", "can-i", "get", "pods", "--subresource=log", "-n", ns, "--as", "cani"]);
        var delete = await _kubectl.RunAsync(["auth", "can-i", "delete", "pods", "-n", ns, "--as", "cani"]);
        var elsewhere = await _kubectl.RunAsync(["auth", "can-i", "list", "pods", "-n", "default", "--as", "cani"]);
        var admin = await _kubectl.RunAsync(["auth", "can-i", "delete", "nodes"]);

        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Equal("yes", list.Stdout.Trim());
        Assert.Equal("yes", logs.Stdout.Trim());
        Assert.Equal(1, delete.ExitCode);
        Assert.Equal("no", delete.Stdout.Trim());
        Assert.Equal("no", elsewhere.Stdout.Trim());
        Assert.Equal("yes", admin.Stdout.Trim());
    }

    [Fact]
    public async Task CanIList_ShowsTheBoundRules()
    {
        await BasicUserAsync();
        var ns = await fx.NamespaceAsync("rbac-canilist");
        await fx.GrantAsync(ns, "reader", [Rule(["get", "watch"], ["apps"], ["deployments"])], User("canilist"));

        var listed = await _kubectl.RunAsync(["auth", "can-i", "--list", "-n", ns, "--as", "canilist"]);

        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Contains(listed.Stdout.Split('\n'), line => line.StartsWith("deployments.apps", StringComparison.Ordinal) && line.Contains("[get watch]", StringComparison.Ordinal));
        Assert.DoesNotContain("pods", listed.Stdout, StringComparison.Ordinal);
    }
}
