namespace Timonel.ApiServer.Security;

/// <summary>
/// A token authenticator whose tokens name their audiences (service-account JWTs), so that a
/// TokenReview can ask for other audiences than the API server's own (upstream's
/// audience-aware authenticators). Authenticators without audiences are judged against the API
/// server's audiences instead (upstream's audience-agnostic wrapper).
/// </summary>
public interface IAudienceAwareTokenAuthenticator : ITokenAuthenticator
{
    /// <summary>The user and the audiences of <paramref name="audiences"/> the token is for; null user when not recognised (with why, when it is this authenticator's token).</summary>
    ValueTask<TokenAuthentication> AuthenticateTokenAsync(string token, IReadOnlyList<string> audiences, CancellationToken ct);
}

/// <summary>The outcome of authenticating a token for some audiences: the user (null when refused), the audiences it is valid for, and why it was refused when known.</summary>
public sealed record TokenAuthentication(UserInfo? User, IReadOnlyList<string> Audiences, string? Error = null)
{
    public static TokenAuthentication None { get; } = new(null, []);
}
