namespace Timonel.ApiServer.Security;

/// <summary>
/// Turns a request's credentials into a user, as upstream's union authenticator does: a client
/// certificate that chains to the client CA wins; a certificate that does not (another CA,
/// expired, not for client auth) is no user but no verdict either, and a bearer token is offered
/// to each token authenticator in turn. No credentials, or credentials nobody accepts, give null:
/// the caller answers 401 (a request with no credentials at all may be anonymous, see <see cref="AnonymousEndpoints"/>).
/// </summary>
public sealed class Authenticator
{
    private readonly ClientCertificateValidator _certificates;
    private readonly IReadOnlyList<ITokenAuthenticator> _tokens;

    public Authenticator(ClientCertificateValidator certificates, IEnumerable<ITokenAuthenticator> tokens)
    {
        _certificates = certificates;
        _tokens = [.. tokens];
    }

    public ClientCertificateValidator Certificates => _certificates;

    /// <summary>
    /// The authenticator for a cluster: client certificates of <see cref="ClusterPki.ClientCa"/>
    /// and the admin token, followed by <paramref name="extraTokens"/> (service accounts, nodes).
    /// </summary>
    public static Authenticator ForCluster(ClusterPki pki, IEnumerable<ITokenAuthenticator>? extraTokens = null, TimeProvider? time = null) =>
        new(new ClientCertificateValidator(pki.ClientCa, time),
            [new StaticTokenAuthenticator(pki.AdminToken, UserInfo.Admin), .. extraTokens ?? []]);

    /// <summary>The user, or null for 401.</summary>
    /// <param name="clientCertificate">The TLS connection's client certificate, if one was sent.</param>
    /// <param name="authorization">The Authorization header value, if any.</param>
    public ValueTask<UserInfo?> AuthenticateAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate, string? authorization, CancellationToken ct)
    {
        if (clientCertificate is not null && _certificates.Validate(clientCertificate) is { } user)
        {
            return new ValueTask<UserInfo?>(user);
        }

        var token = BearerToken(authorization);
        return token is null ? new ValueTask<UserInfo?>((UserInfo?)null) : AuthenticateTokenAsync(token, ct);
    }

    /// <summary>Upstream's warning for "Bearer  token" (two spaces), whose token is then ignored.</summary>
    public const string ExtraSpaceWarning = "the provided Authorization header contains extra space before the bearer token, and is ignored";

    /// <summary>
    /// The token of an Authorization header, read as upstream's bearer token authenticator reads
    /// it: the value trimmed, split on single spaces into at most three parts; the first must be
    /// "bearer" (any case) and the second, which must not be empty, is the token (anything after a
    /// further space is ignored). Null when the header is absent, another scheme, or has no token.
    /// </summary>
    public static string? BearerToken(string? authorization)
    {
        var parts = BearerParts(authorization);
        return parts is [_, { Length: > 0 } token, ..] ? token : null;
    }

    /// <summary>True for "Bearer" followed by two spaces: upstream ignores the header and warns.</summary>
    public static bool HasSpaceBeforeToken(string? authorization) => BearerParts(authorization) is [_, "", _];

    private static string[]? BearerParts(string? authorization)
    {
        var value = authorization?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var parts = value.Split(' ', 3);
        return parts.Length >= 2 && parts[0].Equals("bearer", StringComparison.OrdinalIgnoreCase) ? parts : null;
    }

    /// <summary>
    /// A TokenReview's verdict on <paramref name="token"/> by the same token authenticators
    /// requests meet: an audience-aware one judges the token for <paramref name="audiences"/>;
    /// any other only when <paramref name="audiences"/> share one with
    /// <paramref name="implicitAudiences"/> (the API server's), which are then the token's.
    /// </summary>
    public async ValueTask<TokenAuthentication> ReviewTokenAsync(string token, IReadOnlyList<string> audiences, IReadOnlyList<string> implicitAudiences, CancellationToken ct)
    {
        var target = audiences.Count == 0 ? implicitAudiences : audiences;
        var shared = implicitAudiences.Where(target.Contains).ToList();
        string? error = null;
        foreach (var authenticator in _tokens)
        {
            if (authenticator is IAudienceAwareTokenAuthenticator aware)
            {
                var verdict = await aware.AuthenticateTokenAsync(token, target, ct).ConfigureAwait(false);
                if (verdict.User is not null)
                {
                    return verdict;
                }

                error ??= verdict.Error;
            }
            else if (shared.Count > 0 && await authenticator.AuthenticateTokenAsync(token, ct).ConfigureAwait(false) is { } user)
            {
                return new TokenAuthentication(user, shared);
            }
        }

        // Upstream's bearer authenticator calls any token nobody accepts invalid, with the reasons it met.
        return new TokenAuthentication(null, [], error is null ? "invalid bearer token" : $"[invalid bearer token, {error}]");
    }

    private async ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken ct)
    {
        // An index loop: foreach over an interface would allocate an enumerator per request.
        for (var i = 0; i < _tokens.Count; i++)
        {
            if (await _tokens[i].AuthenticateTokenAsync(token, ct).ConfigureAwait(false) is { } user)
            {
                return user;
            }
        }

        return null;
    }
}
