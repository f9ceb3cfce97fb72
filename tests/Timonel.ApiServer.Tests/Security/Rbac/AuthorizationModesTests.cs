using Timonel.ApiServer.Security;
using Timonel.ApiServer.Security.Rbac;
using Xunit;

namespace Timonel.ApiServer.Tests.Security.Rbac;

/// <summary>--authorization-mode parsing and the chain it builds.</summary>
public sealed class AuthorizationModesTests
{
    [Fact]
    public void Parse_CommaList_InOrder() => Assert.Equal(["RBAC", "AlwaysAllow"], AuthorizationModes.Parse("RBAC, AlwaysAllow"));

    [Theory]
    [InlineData("", "at least one authorization-mode must be passed")]
    [InlineData("Rbac", "authorization-mode \"Rbac\" is not a valid mode")]
    [InlineData("RBAC,RBAC", "authorization-mode [\"RBAC\" \"RBAC\"] has mode specified more than once")]
    [InlineData("ABAC,RBAC", "authorization-mode \"ABAC\" is not supported yet")]
    public void Parse_Bad_RefusedWithUpstreamWording(string text, string message) =>
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => AuthorizationModes.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_ServerDefault_IsNodeThenRbac()
    {
        var modes = AuthorizationModes.Parse(AuthorizationModes.ServerDefault);

        Assert.Equal(["Node", "RBAC"], modes);
        Assert.True(AuthorizationModes.UsesNode(modes));
        Assert.True(AuthorizationModes.UsesRbac(modes));
    }

    [Fact]
    public void Build_NodeMode_NeedsTheHostsNodeAuthorizer() =>
        Assert.Throws<InvalidOperationException>(() => AuthorizationModes.Build(["Node", "AlwaysDeny"], null));

    [Fact]
    public async Task Build_MastersFirst_ThenModes()
    {
        var chain = AuthorizationModes.Build(["AlwaysDeny"], null);
        var admin = new RequestAttributes(UserInfo.Admin, "get", false, "/x");
        var other = new RequestAttributes(UserInfo.Authenticated("u", []), "get", false, "/x");

        Assert.IsType<PrivilegedGroupAuthorizer>(chain.Members[0]);
        Assert.Equal(AuthorizationVerdict.Allow, (await chain.AuthorizeAsync(admin, CancellationToken.None)).Verdict);
        var refused = await chain.AuthorizeAsync(other, CancellationToken.None);
        Assert.Equal(AuthorizationVerdict.NoOpinion, refused.Verdict);
        Assert.Equal("Everything is forbidden.", refused.Reason);
    }

    [Fact]
    public async Task RulesFor_MastersAndAlwaysAllow_StarListedOnce()
    {
        var rules = await AuthorizationModes.Build(["AlwaysAllow"], null).RulesForAsync(UserInfo.Admin, "ns", CancellationToken.None);

        Assert.Single(rules.ResourceRules);
        Assert.Single(rules.NonResourceRules);
        Assert.False(rules.Incomplete);
    }
}
