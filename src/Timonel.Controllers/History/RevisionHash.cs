using System.Globalization;
using System.Text;

namespace Timonel.Controllers.History;

/// <summary>
/// The short, DNS-safe hashes ControllerRevisions are named by (upstream's FNV-32a hash encoded
/// with the consonant-and-digit alphabet of SafeEncodeString, so no hash spells a word).
/// </summary>
public static class RevisionHash
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Hashes a revision's data; a collision count, when set, changes the hash so a colliding name can be avoided.</summary>
    public static string Compute(string data, int? collisionCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(data))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        if (collisionCount is { } count)
        {
            foreach (var b in BitConverter.GetBytes(count))
            {
                hash = unchecked((hash ^ b) * 16777619u);
            }
        }

        return SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    private static string SafeEncode(string text)
    {
        var chars = new char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = Alphabet[text[i] % Alphabet.Length];
        }

        return new string(chars);
    }
}
