using System.Globalization;

namespace Timonel.Api.Patch;

/// <summary>
/// A JSON Patch path read the way evanphx/json-patch v4 (kube-apiserver's JSON patch) reads it:
/// split on "/", the first segment ignored (so a path need not start with "/"), every other
/// segment unescaped ("~1" to "/", "~0" to "~", any other "~" kept as is). A path without a "/"
/// (including "") names no location inside the document.
/// </summary>
internal sealed class JsonPointer
{
    private JsonPointer(string text, IReadOnlyList<string> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }

    /// <summary>The tokens after the ignored first segment; empty when the path has no "/".</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>True for "": replace and test apply to the whole document there.</summary>
    public bool IsRoot => Text.Length == 0;

    /// <summary>True when the path names a member or element (it has at least one "/").</summary>
    public bool HasLocation => Tokens.Count > 0;

    public static JsonPointer Parse(string text)
    {
        var segments = text.Split('/');
        return new JsonPointer(text, segments.Skip(1).Select(Unescape).ToArray());
    }

    /// <summary>
    /// An array index as Go's strconv.Atoi reads it (optional sign, leading zeros allowed), with
    /// v4's negative indexes counted from the end; null when the token is not a number.
    /// </summary>
    public static long? ArrayIndex(string token) =>
        long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index) ? index : null;

    // One left-to-right pass, as Go's strings.NewReplacer("~1", "/", "~0", "~") does: "~01" is "~1".
    private static string Unescape(string raw)
    {
        if (!raw.Contains('~', StringComparison.Ordinal))
        {
            return raw;
        }

        var result = new System.Text.StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '~' && i + 1 < raw.Length && raw[i + 1] is '0' or '1')
            {
                result.Append(raw[i + 1] == '0' ? '~' : '/');
                i++;
            }
            else
            {
                result.Append(raw[i]);
            }
        }

        return result.ToString();
    }

    public override string ToString() => Text;
}
