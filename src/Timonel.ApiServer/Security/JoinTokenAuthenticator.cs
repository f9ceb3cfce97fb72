using System.Security.Cryptography;
using System.Text;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Accepts the cluster's join token (the full K10… form or its bare secret) as a bearer token
/// from node agents (`timonel agent --token`), as upstream's bootstrap token authenticator: the
/// token is one credential shared by every agent, so it is no node identity. It authenticates as
/// "system:bootstrap:&lt;id&gt;" in "system:bootstrappers" (and kubeadm's per-token group), whose
/// bootstrap bindings allow only creating and reading the CertificateSigningRequest that trades
/// it for the agent's own "system:node:&lt;name&gt;" client certificate.
/// </summary>
public sealed class JoinTokenAuthenticator : ITokenAuthenticator
{
    public const string UserPrefix = "system:bootstrap:";
    public const string BootstrappersGroup = "system:bootstrappers";

    /// <summary>The token's own group, as kubeadm's "system:bootstrappers:kubeadm:default-node-token".</summary>
    public const string DefaultNodeTokenGroup = "system:bootstrappers:timonel:default-node-token";

    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly JoinToken _token;
    private readonly byte[] _secret;

    public JoinTokenAuthenticator(JoinToken token)
    {
        _token = token;
        _secret = Encoding.UTF8.GetBytes(token.Secret);
        User = UserInfo.Authenticated(UserPrefix + TokenId(token), [BootstrappersGroup, DefaultNodeTokenGroup]);
    }

    /// <summary>Who the token authenticates as.</summary>
    public UserInfo User { get; }

    /// <summary>
    /// A stable public id for the token, 6 characters [a-z0-9] as upstream's bootstrap token ids
    /// (which are the token's first part). The join token has no public part, so the id is derived
    /// from a hash of the secret: stable across restarts and servers, and it reveals nothing usable.
    /// </summary>
    public static string TokenId(JoinToken token)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("timonel-bootstrap-token-id:" + token.Secret));
        return string.Create(6, hash, static (id, h) =>
        {
            for (var i = 0; i < id.Length; i++)
            {
                id[i] = IdAlphabet[h[i] % IdAlphabet.Length];
            }
        });
    }

    public ValueTask<UserInfo?> AuthenticateTokenAsync(string bearer, CancellationToken ct)
    {
        var match = JoinToken.TryParse(bearer, out var offered)
            && (offered.CaHash is null || offered.CaHash == _token.CaHash)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(offered.Secret), _secret);
        return new ValueTask<UserInfo?>(match ? User : null);
    }
}
