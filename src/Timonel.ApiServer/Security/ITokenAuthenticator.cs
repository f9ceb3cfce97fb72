namespace Timonel.ApiServer.Security;

/// <summary>
/// One way of turning a bearer token into a user: the admin token today; service-account JWTs
/// and node tokens later. The <see cref="Authenticator"/> asks each in turn.
/// </summary>
public interface ITokenAuthenticator
{
    /// <summary>
    /// The user <paramref name="token"/> stands for, or null when this authenticator does not
    /// recognise it (another may). Must compare secrets in constant time, must not throw for a
    /// malformed token, and should complete synchronously when it can: this runs on every request.
    /// </summary>
    ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken ct);
}
