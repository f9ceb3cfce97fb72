using System.Security.Cryptography;
using System.Text;

namespace Timonel.ApiServer.Security;

/// <summary>A fixed token that stands for a fixed user (the admin token in DIR/tls/admin.token).</summary>
public sealed class StaticTokenAuthenticator : ITokenAuthenticator
{
    private readonly byte[] _token;
    private readonly UserInfo _user;

    public StaticTokenAuthenticator(string token, UserInfo user)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _token = Encoding.UTF8.GetBytes(token);
        _user = user;
    }

    public ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken ct)
    {
        // Tokens are short; a stack buffer keeps the hot path free of allocations.
        var max = Encoding.UTF8.GetMaxByteCount(token.Length);
        Span<byte> candidate = max <= 256 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(token, candidate);
        var match = CryptographicOperations.FixedTimeEquals(candidate[..length], _token);
        return new ValueTask<UserInfo?>(match ? _user : null);
    }
}
