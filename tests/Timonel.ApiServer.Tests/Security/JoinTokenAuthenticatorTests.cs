using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

public sealed class JoinTokenAuthenticatorTests
{
    private static readonly JoinToken Token = new(new string('a', 64), JoinToken.ServerUsername, "s3cret");

    [Theory]
    [InlineData("s3cret")]
    [InlineData("K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server:s3cret")]
    public async Task Authenticate_JoinToken_IsABootstrapperNotANodeNorAMaster(string bearer)
    {
        var user = await new JoinTokenAuthenticator(Token).AuthenticateTokenAsync(bearer, CancellationToken.None);

        // Not a node identity: one token shared by every agent must not pass for any one node.
        Assert.NotNull(user);
        Assert.Matches("^system:bootstrap:[a-z0-9]{6}$", user.Name);
        Assert.Equal(["system:bootstrappers", "system:bootstrappers:timonel:default-node-token", "system:authenticated"], user.Groups);
    }

    [Fact]
    public void TokenId_SameSecret_IsStableAndDiffersForAnotherSecret()
    {
        var id = JoinTokenAuthenticator.TokenId(Token);

        Assert.Equal(id, JoinTokenAuthenticator.TokenId(Token with { CaHash = null }));
        Assert.NotEqual(id, JoinTokenAuthenticator.TokenId(Token with { Secret = "other" }));
        Assert.DoesNotContain("s3cret", id, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("K10bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb::server:s3cret")]
    [InlineData("K10aaaa::server:s3cret")]
    public async Task Authenticate_WrongSecretOrCa_IsRefused(string bearer) =>
        Assert.Null(await new JoinTokenAuthenticator(Token).AuthenticateTokenAsync(bearer, CancellationToken.None));
}
