namespace Timonel.Api.Serialization;

/// <summary>
/// Tells whether JSON text's <c>\uXXXX</c> escapes are all ones <see cref="GoJsonEncoder"/>
/// writes, so stored bytes can be served as they are. Values stored by the default .NET encoder
/// (<c>\u0022</c> for a quote, <c>\u00E9</c> for é, upper-case hex) fail the test and are
/// re-encoded by the caller. A false alarm (text such as <c>\\u0041</c>) only costs a re-encode.
/// </summary>
public static class GoJsonEscapes
{
    public static bool OnlyGoEscapes(ReadOnlySpan<byte> json)
    {
        var at = 0;
        while (true)
        {
            var i = json[at..].IndexOf("\\u"u8);
            if (i < 0)
            {
                return true;
            }

            at += i + 2;
            if (at + 4 > json.Length || !IsGoEscape(json.Slice(at, 4)))
            {
                return false;
            }

            at += 4;
        }
    }

    private static bool IsGoEscape(ReadOnlySpan<byte> hex) =>
        hex.SequenceEqual("003c"u8) || hex.SequenceEqual("003e"u8) || hex.SequenceEqual("0026"u8)
        || hex.SequenceEqual("2028"u8) || hex.SequenceEqual("2029"u8)
        || (hex[0] == '0' && hex[1] == '0' && IsControlWithoutShortForm(hex[2], hex[3]));

    // Go writes \b \t \n \f \r for 0x08 0x09 0x0a 0x0c 0x0d, \u00xx (lower-case) for the other controls.
    private static bool IsControlWithoutShortForm(byte high, byte low) =>
        (high == '1' && IsLowerHex(low)) || (high == '0' && IsLowerHex(low) && low is not ((byte)'8' or (byte)'9' or (byte)'a' or (byte)'c' or (byte)'d'));

    private static bool IsLowerHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f';
}
