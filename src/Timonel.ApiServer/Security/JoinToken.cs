using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The token a node presents to join (k3s's "secure" format):
/// <c>K10&lt;CA hash&gt;::&lt;username&gt;:&lt;secret&gt;</c>, where the CA hash is the lower-case hex
/// SHA-256 of the server CA file's bytes (server-ca.crt, PEM). The agent fetches the CA from
/// the server and compares its hash before trusting it, so the token also pins the server.
/// The username is "server"; the secret is 32 random hex characters. A bare secret (k3s's
/// "short" format) is accepted by <see cref="TryParse"/> with a null <see cref="CaHash"/>.
/// </summary>
public sealed record JoinToken(string? CaHash, string Username, string Secret)
{
    public const string Prefix = "K10";
    public const string ServerUsername = "server";

    /// <summary>A new token pinned to <paramref name="serverCaPem"/> with a random secret.</summary>
    public static JoinToken Create(string serverCaPem) =>
        new(HashCa(serverCaPem), ServerUsername, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    /// <summary>The hash the token carries for a given CA file content.</summary>
    public static string HashCa(string serverCaPem) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(serverCaPem)));

    public static bool TryParse(string text, [NotNullWhen(true)] out JoinToken? token)
    {
        token = null;
        text = text.Trim();
        if (text.Length == 0 || text.Any(char.IsWhiteSpace))
        {
            return false;
        }

        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            token = new JoinToken(null, ServerUsername, text);
            return true;
        }

        var separator = text.IndexOf("::", StringComparison.Ordinal);
        if (separator < 0)
        {
            return false;
        }

        var hash = text[Prefix.Length..separator];
        var credentials = text[(separator + 2)..];
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit) || colon <= 0 || colon == credentials.Length - 1)
        {
            return false;
        }

        token = new JoinToken(hash.ToLowerInvariant(), credentials[..colon], credentials[(colon + 1)..]);
        return true;
    }

    /// <summary>True when this token's secret equals <paramref name="other"/>'s, compared in constant time.</summary>
    public bool SecretMatches(JoinToken other) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(other.Secret))
        && Username == other.Username;

    /// <summary>The token text, as written to DIR/token and passed to <c>timonel agent --token</c>.</summary>
    public string Format() => CaHash is null ? Secret : $"{Prefix}{CaHash}::{Username}:{Secret}";

    /// <summary>Redacted, so that a token logged by accident does not leak its secret.</summary>
    public override string ToString() => CaHash is null ? "<redacted>" : $"{Prefix}{CaHash}::{Username}:<redacted>";
}
