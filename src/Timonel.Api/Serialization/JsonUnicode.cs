using System.Text;
using System.Text.Unicode;

namespace Timonel.Api.Serialization;

/// <summary>
/// Makes JSON text safe for System.Text.Json the way Go's encoding/json reads it: each byte
/// that is not valid UTF-8 becomes U+FFFD, and so does a <c>\uD800</c>-style escape of half a
/// surrogate pair. Go accepts both; .NET would fail only later, when the string is read (a 500).
/// </summary>
public static class JsonUnicode
{
    private static readonly byte[] ReplacementChar = [0xEF, 0xBF, 0xBD];
    private static readonly byte[] ReplacementEscape = "\\ufffd"u8.ToArray();

    /// <summary>The body itself when it needs nothing (the usual case), else a repaired copy.</summary>
    public static byte[] Repair(byte[] json)
    {
        if (Utf8.IsValid(json) && json.AsSpan().IndexOf("\\u"u8) < 0)
        {
            return json;
        }

        MemoryStream? output = null;
        var copied = 0;
        var inString = false;
        var i = 0;
        while (i < json.Length)
        {
            var b = json[i];
            if (b >= 0x80)
            {
                if (Rune.DecodeFromUtf8(json.AsSpan(i), out _, out var consumed) == System.Buffers.OperationStatus.Done)
                {
                    i += consumed;
                }
                else
                {
                    Replace(json, ref output, ref copied, i, 1, ReplacementChar);
                    i++;
                }
            }
            else if (!inString)
            {
                inString = b == '"';
                i++;
            }
            else if (b == '"')
            {
                inString = false;
                i++;
            }
            else if (b != '\\')
            {
                i++;
            }
            else if (Hex4(json, i + 1) is not { } unit)
            {
                i += 2; // \n, \", \\ ... (or a bad escape, which the parser reports)
            }
            else if (char.IsHighSurrogate(unit) && Hex4(json, i + 7) is { } low && json[i + 6] == '\\' && char.IsLowSurrogate(low))
            {
                i += 12;
            }
            else
            {
                if (char.IsSurrogate(unit))
                {
                    Replace(json, ref output, ref copied, i, 6, ReplacementEscape);
                }

                i += 6;
            }
        }

        if (output is null)
        {
            return json;
        }

        output.Write(json, copied, json.Length - copied);
        return output.ToArray();
    }

    /// <summary>The UTF-16 unit of a <c>uXXXX</c> escape body starting at <paramref name="at"/>, if it is one.</summary>
    private static char? Hex4(byte[] json, int at)
    {
        if (at + 5 > json.Length || json[at] != 'u')
        {
            return null;
        }

        var value = 0;
        for (var k = at + 1; k < at + 5; k++)
        {
            var digit = HexDigit(json[k]);
            if (digit < 0)
            {
                return null;
            }

            value = (value << 4) | digit;
        }

        return (char)value;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static void Replace(byte[] json, ref MemoryStream? output, ref int copied, int at, int length, byte[] replacement)
    {
        output ??= new MemoryStream(json.Length + 16);
        output.Write(json, copied, at - copied);
        output.Write(replacement);
        copied = at + length;
    }
}
