using Timonel.ApiServer.Security;
using Timonel.ApiServer.Security.Rbac;
using Xunit;

namespace Timonel.ApiServer.Tests.Security.Rbac;

/// <summary>Upstream's RuleAllows: one rule against one request.</summary>
public sealed class RuleMatchingTests
{
    private static readonly UserInfo Someone = UserInfo.Authenticated("u", []);

    private static RequestAttributes Resource(string verb, string group, string resource, string subresource = "", string name = "") =>
        new(Someone, verb, true, "/x", group, "v1", resource, subresource, "ns", name);

    private static RequestAttributes Path(string verb, string path) => new(Someone, verb, false, path);

    [Theory]
    [InlineData("pods", "", true)]
    [InlineData("pods", "log", false)]
    [InlineData("pods/log", "log", true)]
    [InlineData("pods/log", "", false)]
    [InlineData("*/log", "log", true)]
    [InlineData("*/log", "", false)]
    [InlineData("*/log", "status", false)]
    [InlineData("pods/*", "log", false)]
    [InlineData("*", "log", true)]
    [InlineData("services/log", "log", false)]
    public void Allows_ResourceForms(string ruleResource, string subresource, bool allowed) =>
        Assert.Equal(allowed, RuleMatching.Allows(Resource("get", "", "pods", subresource, "p"), new PolicyRule(["get"], [""], [ruleResource], [], [])));

    [Fact]
    public void Allows_VerbAndGroup_ExactOrStar()
    {
        var rule = new PolicyRule(["get"], ["apps"], ["deployments"], [], []);

        Assert.True(RuleMatching.Allows(Resource("get", "apps", "deployments"), rule));
        Assert.False(RuleMatching.Allows(Resource("list", "apps", "deployments"), rule));
        Assert.False(RuleMatching.Allows(Resource("get", "", "deployments"), rule));
        Assert.True(RuleMatching.Allows(Resource("list", "extensions", "deployments"), new PolicyRule(["*"], ["*"], ["deployments"], [], [])));
    }

    [Fact]
    public void Allows_ResourceNames_NeverWithoutName()
    {
        var rule = new PolicyRule(["get", "list", "create"], [""], ["secrets"], ["a"], []);

        Assert.True(RuleMatching.Allows(Resource("get", "", "secrets", name: "a"), rule));
        Assert.False(RuleMatching.Allows(Resource("get", "", "secrets", name: "b"), rule));
        Assert.False(RuleMatching.Allows(Resource("list", "", "secrets"), rule));
        Assert.False(RuleMatching.Allows(Resource("create", "", "secrets"), rule));
    }

    [Theory]
    [InlineData("/healthz", "/healthz", true)]
    [InlineData("/healthz", "/healthz/etcd", false)]
    [InlineData("/healthz/*", "/healthz/etcd", true)]
    [InlineData("/healthz*", "/healthzzz", true)]
    [InlineData("*", "/anything", true)]
    [InlineData("/apis/*", "/api/v1", false)]
    public void Allows_NonResourceUrls(string ruleUrl, string path, bool allowed) =>
        Assert.Equal(allowed, RuleMatching.Allows(Path("get", path), new PolicyRule(["get"], [], [], [], [ruleUrl])));

    [Fact]
    public void Allows_ResourceRuleNeverMatchesPath_NorUrlRuleAResource()
    {
        Assert.False(RuleMatching.Allows(Path("get", "/api"), new PolicyRule(["*"], ["*"], ["*"], [], [])));
        Assert.False(RuleMatching.Allows(Resource("get", "", "pods"), new PolicyRule(["*"], [], [], [], ["*"])));
    }
}
