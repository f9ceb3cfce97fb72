namespace Timonel.Api.Patch;

/// <summary>An RFC 6901 JSON Pointer: "" is the whole document, "/a/0/b~1c" the tokens a, 0, b/c.</summary>
internal sealed class JsonPointer
{
    private JsonPointer(string text, IReadOnlyList<string> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }

    public IReadOnlyList<string> Tokens { get; }

    public bool IsRoot => Tokens.Count == 0;

    /// <summary>Parses <paramref name="text"/>, or returns null with the reason it is not a pointer.</summary>
    public static JsonPointer? TryParse(string text, out string? error)
    {
        error = null;
        if (text.Length == 0)
        {
            return new JsonPointer(text, []);
        }

        if (text[0] != '/')
        {
            error = $"JSON pointer \"{text}\" must be empty or start with \"/\"";
            return null;
        }

        var tokens = new List<string>();
        foreach (var raw in text[1..].Split('/'))
        {
            var token = Unescape(raw);
            if (token is null)
            {
                error = $"JSON pointer \"{text}\" has an invalid escape: \"~\" must be followed by 0 or 1";
                return null;
            }

            tokens.Add(token);
        }

        return new JsonPointer(text, tokens);
    }

    /// <summary>True when this pointer names a location strictly inside <paramref name="other"/>'s value.</summary>
    public bool IsInside(JsonPointer other) =>
        Tokens.Count > other.Tokens.Count && other.Tokens.Select((t, i) => Tokens[i] == t).All(same => same);

    /// <summary>
    /// An array index token: decimal digits without leading zeros (RFC 6901 section 4), or null.
    /// </summary>
    public static int? ArrayIndex(string token)
    {
        if (token.Length == 0 || token.Length > 9 || !token.All(char.IsAsciiDigit) || (token.Length > 1 && token[0] == '0'))
        {
            return null;
        }

        return int.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? Unescape(string raw)
    {
        if (!raw.Contains('~', StringComparison.Ordinal))
        {
            return raw;
        }

        var result = new System.Text.StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '~')
            {
                result.Append(raw[i]);
                continue;
            }

            if (i + 1 >= raw.Length || (raw[i + 1] != '0' && raw[i + 1] != '1'))
            {
                return null;
            }

            result.Append(raw[i + 1] == '0' ? '~' : '/');
            i++;
        }

        return result.ToString();
    }

    public override string ToString() => Text;
}
