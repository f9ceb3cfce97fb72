using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Timonel.Api.Serialization;

/// <summary>
/// Escapes JSON strings exactly as Go's encoding/json (1.22+, HTML escaping on, as kube-apiserver
/// encodes responses): <c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other controls as
/// <c>\u00xx</c>, <c>&lt; &gt; &amp;</c> as <c>\u003c \u003e \u0026</c>, U+2028/U+2029 as
/// <c>\u2028 \u2029</c>, everything else raw UTF-8. Clients that compare bytes (or show them)
/// then see what they would see from upstream.
/// </summary>
public sealed class GoJsonEncoder : JavaScriptEncoder
{
    public static readonly GoJsonEncoder Instance = new();

    /// <summary>Serializer options for every client-visible JSON document.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = Instance };

    /// <summary>Writer options for every client-visible JSON document.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = Instance };

    // Surrogates are included so that a lone half goes through the per-scalar path (which
    // turns it into U+FFFD); a valid pair found there is copied raw.
    private static readonly SearchValues<char> CharsToInspect = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f" +
        "\"\\<>&\u2028\u2029" + SurrogateRange());

    // 0xE2 leads U+2028/U+2029 (E2 80 A8/A9); bytes >= 0x80 are checked for validity separately.
    private static readonly SearchValues<byte> BytesToInspect = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
         (byte)'"', (byte)'\\', (byte)'<', (byte)'>', (byte)'&', 0xE2]);

    private GoJsonEncoder()
    {
    }

    private static string SurrogateRange()
    {
        var chars = new char[0xE000 - 0xD800];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(0xD800 + i);
        }

        return new string(chars);
    }

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar is '"' or '\\' or '<' or '>' or '&' or 0x2028 or 0x2029;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        var at = 0;
        while (true)
        {
            var i = span[at..].IndexOfAny(CharsToInspect);
            if (i < 0)
            {
                return -1;
            }

            at += i;
            // A well-formed surrogate pair is written raw; skip it here to keep the fast path.
            if (char.IsHighSurrogate(span[at]) && at + 1 < span.Length && char.IsLowSurrogate(span[at + 1]))
            {
                at += 2;
                continue;
            }

            return at;
        }
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var firstInvalid = Utf8.IsValid(utf8Text) ? -1 : FirstInvalidUtf8(utf8Text);
        var limit = firstInvalid < 0 ? utf8Text.Length : firstInvalid;
        var at = 0;
        while (at < limit)
        {
            var i = utf8Text[at..limit].IndexOfAny(BytesToInspect);
            if (i < 0)
            {
                break;
            }

            at += i;
            if (utf8Text[at] != 0xE2 || (at + 2 < utf8Text.Length && utf8Text[at + 1] == 0x80 && utf8Text[at + 2] is 0xA8 or 0xA9))
            {
                return at;
            }

            at++;
        }

        return firstInvalid;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var at = 0;
        while (at < utf8Text.Length)
        {
            if (Rune.DecodeFromUtf8(utf8Text[at..], out _, out var consumed) != OperationStatus.Done)
            {
                return at;
            }

            at += consumed;
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var destination = new Span<char>(buffer, bufferLength);
        ReadOnlySpan<char> escape = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\b' => "\\b",
            '\f' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ => default,
        };
        if (escape.IsEmpty && WillEncode(unicodeScalar))
        {
            if (bufferLength < 6)
            {
                numberOfCharactersWritten = 0;
                return false;
            }

            destination[0] = '\\';
            destination[1] = 'u';
            ((uint)unicodeScalar).TryFormat(destination[2..6], out _, "x4", System.Globalization.CultureInfo.InvariantCulture);
            numberOfCharactersWritten = 6;
            return true;
        }

        if (escape.IsEmpty)
        {
            // Not ours to escape: write the scalar itself (UTF-16).
            return new Rune(unicodeScalar).TryEncodeToUtf16(destination, out numberOfCharactersWritten);
        }

        if (!escape.TryCopyTo(destination))
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        numberOfCharactersWritten = escape.Length;
        return true;
    }
}
