using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

/// <summary>The Authorization header read as upstream's bearertoken authenticator reads it.</summary>
public sealed class BearerTokenTests
{
    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer abc", "abc")]
    [InlineData("BeArEr abc", "abc")]
    [InlineData(" \tBearer abc \r\n", "abc")]
    [InlineData("Bearer abc def", "abc")]
    [InlineData("Bearer abc  def", "abc")]
    [InlineData("Bearer a\tb", "a\tb")]
    public void BearerToken_UpstreamAccepts_IsTheSecondPart(string header, string token)
    {
        Assert.Equal(token, Authenticator.BearerToken(header));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer  abc")]
    [InlineData("Bearer\tabc")]
    [InlineData("Bearerabc")]
    [InlineData("Basic abc")]
    [InlineData("abc")]
    public void BearerToken_UpstreamIgnores_IsNull(string? header)
    {
        Assert.Null(Authenticator.BearerToken(header));
    }

    [Theory]
    [InlineData("Bearer  abc", true)]
    [InlineData("Bearer   ", false)]
    [InlineData("Bearer abc", false)]
    [InlineData("Basic  abc", false)]
    public void HasSpaceBeforeToken_OnlyForAnEmptySecondPartWithAThird(string header, bool expected)
    {
        Assert.Equal(expected, Authenticator.HasSpaceBeforeToken(header));
    }
}
