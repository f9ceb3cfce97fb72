using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Api.Errors;
using YamlDotNet.Core;

namespace Timonel.Api.Serialization;

/// <summary>
/// Resolves YAML scalars the way sigs.k8s.io/yaml does: plain scalars that look like numbers,
/// booleans or null become those JSON types; quoted ones, and numbers a float64 cannot hold
/// (1e400), stay strings.
/// </summary>
internal static partial class YamlScalars
{
    private const string StringTag = "tag:yaml.org,2002:str";

    public static JsonNode? Resolve(YamlGraphScalar scalar)
    {
        var text = Checked(scalar);
        if (scalar.Style != ScalarStyle.Plain || scalar.Tag is StringTag or "!!str")
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        // go-yaml keeps a number that overflows float64 as a string; .NET would parse it to
        // infinity, which JSON cannot hold.
        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(text);
    }

    /// <summary>A mapping key's text (JSON keys are always strings).</summary>
    public static string KeyText(YamlGraphScalar scalar) => Checked(scalar);

    /// <summary>
    /// The scalar's text, refused when an escape (<c>"\ud800"</c>) left half a surrogate pair:
    /// no JSON writer can emit it, and go-yaml rejects such escapes too.
    /// </summary>
    private static string Checked(YamlGraphScalar scalar)
    {
        var text = scalar.Value;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                throw YamlGraphReader.Invalid("found invalid Unicode character escape code", scalar.Start);
            }
        }

        return text;
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
