namespace Timonel.ApiServer.Security;

/// <summary>
/// Turns a request's credentials into a user, in upstream's order: a client certificate that
/// chains to the client CA wins; otherwise a bearer token is offered to each token
/// authenticator in turn. No credentials, or credentials nobody accepts, give null: the caller
/// answers 401 (anonymous requests are not allowed).
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

    /// <summary>
    /// The token of an "Authorization: Bearer &lt;token&gt;" header (scheme case-insensitive), or
    /// null when the header is absent, another scheme, or empty.
    /// </summary>
    public static string? BearerToken(string? authorization)
    {
        if (authorization is null)
        {
            return null;
        }

        var value = authorization.AsSpan().Trim();
        const string Scheme = "Bearer ";
        if (value.Length <= Scheme.Length || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[Scheme.Length..].Trim();
        return token.Length == 0 || token.Contains(' ') ? null : token.ToString();
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
