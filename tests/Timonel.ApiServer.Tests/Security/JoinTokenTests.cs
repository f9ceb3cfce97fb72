using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

public sealed class JoinTokenTests
{
    private const string CaPem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    [Fact]
    public void Create_AnyCa_FormatsAsK10HashServerSecret()
    {
        var token = JoinToken.Create(CaPem);

        Assert.Matches("^K10[0-9a-f]{64}::server:[0-9a-f]{32}$", token.Format());
        Assert.Equal(JoinToken.HashCa(CaPem), token.CaHash);
        Assert.DoesNotContain(token.Secret, token.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_FormattedToken_RoundTrips()
    {
        var token = JoinToken.Create(CaPem);

        Assert.True(JoinToken.TryParse(token.Format() + "\n", out var parsed));
        Assert.Equal(token, parsed);
        Assert.True(parsed.SecretMatches(token));
    }

    [Fact]
    public void TryParse_BareSecret_HasNoCaHash()
    {
        Assert.True(JoinToken.TryParse("s3cret", out var parsed));
        Assert.Null(parsed.CaHash);
        Assert.Equal("s3cret", parsed.Secret);
    }

    [Theory]
    [InlineData("")]
    [InlineData("K10abc::server:x")]
    [InlineData("K10" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + "::server:")]
    [InlineData("K10" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + "::nocolon")]
    [InlineData("K10" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("two words")]
    public void TryParse_Malformed_ReturnsFalse(string text)
    {
        Assert.False(JoinToken.TryParse(text, out _));
    }

    [Fact]
    public void SecretMatches_DifferentSecret_IsFalse()
    {
        var token = JoinToken.Create(CaPem);

        Assert.False(token.SecretMatches(token with { Secret = token.Secret + "0" }));
    }
}
