using System.Security.Cryptography;
using System.Text;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Accepts the cluster's join token (the full K10… form or its bare secret) as a bearer token
/// from node agents: `timonel agent --token` authenticates as a member of system:nodes, as a
/// k3s agent does with the same token.
/// </summary>
public sealed class JoinTokenAuthenticator(JoinToken token) : ITokenAuthenticator
{
    public static readonly UserInfo Node = UserInfo.Authenticated("system:node:timonel-agent", ["system:nodes"]);

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(token.Secret);

    public ValueTask<UserInfo?> AuthenticateTokenAsync(string bearer, CancellationToken ct)
    {
        var match = JoinToken.TryParse(bearer, out var offered)
            && (offered.CaHash is null || offered.CaHash == token.CaHash)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(offered.Secret), _secret);
        return new ValueTask<UserInfo?>(match ? Node : null);
    }
}
