using System.Text;
using Timonel.Api.Errors;

namespace Timonel.Api.Selectors;

/// <summary>
/// A parsed field selector: an AND of "field=value", "field==value" and "field!=value" terms
/// (upstream's fields.ParseSelector). Terms are separated by ',', and a value escapes '\', ',' and
/// '=' with a backslash. Which fields a resource supports is the registry's business (its ObjectFields).
/// Immutable and safe to share between threads.
/// </summary>
public sealed class FieldSelector
{
    private static readonly string[] Operators = ["!=", "==", "="];

    private FieldSelector(IReadOnlyList<FieldRequirement> requirements)
    {
        Requirements = requirements;
        Fields = requirements.Select(r => r.Field).Distinct(StringComparer.Ordinal).ToList();
    }

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEmpty => Requirements.Count == 0;

    /// <summary>The terms, in upstream's order (sorted by their text).</summary>
    public IReadOnlyList<FieldRequirement> Requirements { get; }

    /// <summary>The field paths the selector names, e.g. "metadata.name", each once.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Parses "a=b,c!=d,e==f"; null or empty is <see cref="Everything"/>; throws ApiException 400 on bad syntax.</summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Everything;
        }

        SelectorLimits.Check("fieldSelector", text);
        var terms = SplitTerms(text);
        terms.Sort(StringComparer.Ordinal);
        var requirements = new List<FieldRequirement>(terms.Count);
        foreach (var term in terms)
        {
            if (term.Length == 0)
            {
                continue;
            }

            if (!TrySplitTerm(term, out var field, out var op, out var rawValue))
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }

            requirements.Add(new FieldRequirement(field, op != "!=", UnescapeValue(rawValue)));
        }

        return requirements.Count == 0 ? Everything : new FieldSelector(requirements);
    }

    /// <summary>A selector requiring field=value for every entry; null or empty is <see cref="Everything"/>.</summary>
    public static FieldSelector FromSet(IReadOnlyDictionary<string, string>? set) =>
        set is null || set.Count == 0
            ? Everything
            : new FieldSelector([.. set.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new FieldRequirement(kv.Key, true, kv.Value))]);

    /// <summary>Whether every term holds; a field missing from <paramref name="fields"/> reads as "".</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(fields))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>When a term requires field=value, that value (e.g. spec.nodeName for a kubelet's watch).</summary>
    public bool RequiresExactMatch(string field, out string value)
    {
        foreach (var r in Requirements)
        {
            if (r.Equal && r.Field == field)
            {
                value = r.Value;
                return true;
            }
        }

        value = "";
        return false;
    }

    /// <summary>The canonical form, values escaped: "a=b,c!=d".</summary>
    public override string ToString() => string.Join(",", Requirements);

    /// <summary>Escapes '\', ',' and '=' in a value so that it can be written into a selector.</summary>
    public static string EscapeValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);

    /// <summary>Undoes <see cref="EscapeValue"/>; throws ApiException 400 on a bad escape or an unescaped ',' or '='.</summary>
    public static string UnescapeValue(string value)
    {
        if (value.IndexOfAny(['\\', ',', '=']) < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        var inSlash = false;
        // By rune, as upstream: a bad escape names the whole character, even outside the BMP.
        foreach (var c in value.EnumerateRunes())
        {
            if (inSlash)
            {
                if (c.Value is not ('\\' or ',' or '='))
                {
                    throw ApiException.BadRequest($"invalid field selector: invalid escape sequence: \\{c}");
                }

                sb.Append(c.ToString());
                inSlash = false;
            }
            else if (c.Value == '\\')
            {
                inSlash = true;
            }
            else if (c.Value is ',' or '=')
            {
                // Upstream prints the character's code point here (%v of a rune): "61" for '='.
                throw ApiException.BadRequest($"invalid field selector: unescaped character in value: {c.Value}");
            }
            else
            {
                sb.Append(c.ToString());
            }
        }

        return inSlash ? throw ApiException.BadRequest("invalid field selector: invalid escape sequence: \\") : sb.ToString();
    }

    // Splits on commas that are not escaped by a backslash.
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var start = 0;
        var inSlash = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (inSlash)
            {
                inSlash = false;
            }
            else if (text[i] == '\\')
            {
                inSlash = true;
            }
            else if (text[i] == ',')
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }

        terms.Add(text[start..]);
        return terms;
    }

    // The first operator in the term, trying "!=" before "==" before "=" at each position.
    private static bool TrySplitTerm(string term, out string field, out string op, out string value)
    {
        for (var i = 0; i < term.Length; i++)
        {
            foreach (var candidate in Operators)
            {
                if (term.AsSpan(i).StartsWith(candidate, StringComparison.Ordinal))
                {
                    field = term[..i];
                    op = candidate;
                    value = term[(i + candidate.Length)..];
                    return true;
                }
            }
        }

        field = op = value = "";
        return false;
    }
}
