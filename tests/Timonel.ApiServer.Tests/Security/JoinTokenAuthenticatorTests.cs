using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

public sealed class JoinTokenAuthenticatorTests
{
    private static readonly JoinToken Token = new(new string('a', 64), JoinToken.ServerUsername, "s3cret");

    [Theory]
    [InlineData("s3cret")]
    [InlineData("K10aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa::server:s3cret")]
    public async Task Authenticate_JoinToken_IsNodeUser(string bearer)
    {
        var user = await new JoinTokenAuthenticator(Token).AuthenticateTokenAsync(bearer, CancellationToken.None);

        Assert.NotNull(user);
        Assert.Contains("system:nodes", user.Groups);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("K10bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb::server:s3cret")]
    [InlineData("K10aaaa::server:s3cret")]
    public async Task Authenticate_WrongSecretOrCa_IsRefused(string bearer) =>
        Assert.Null(await new JoinTokenAuthenticator(Token).AuthenticateTokenAsync(bearer, CancellationToken.None));
}
