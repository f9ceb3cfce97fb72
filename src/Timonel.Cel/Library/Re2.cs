using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Timonel.Cel.Library;

/// <summary>
/// RE2 patterns run on .NET's non-backtracking engine (linear time, like RE2). Constructs RE2 does not
/// have (backreferences, lookaround, atomic groups) are refused as RE2 refuses them; RE2 spellings .NET
/// lacks are translated (`(?P&lt;n&gt;`, `\pL`), and `$` means end of text as in RE2 without the m flag.
/// Compiled patterns are kept per program (a rule's constant pattern compiles once).
/// </summary>
internal sealed class RegexCache
{
    /// <summary>Most distinct patterns one program keeps compiled; beyond that they are compiled per call.</summary>
    public const int MaxEntries = 64;

    /// <summary>A safety net only: the non-backtracking engine is linear in the input, which the cost limit bounds; a cold first match on a busy machine can take tens of milliseconds.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Regex> _compiled = new(StringComparer.Ordinal);

    /// <summary>The compiled pattern, or null with RE2's style of error message.</summary>
    public Regex? Get(string pattern, out string? error)
    {
        error = null;
        if (_compiled.TryGetValue(pattern, out var cached))
        {
            return cached;
        }
        var translated = Translate(pattern, out error);
        if (translated is null)
        {
            return null;
        }
        Regex regex;
        try
        {
            regex = new Regex(translated, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            error = $"error parsing regexp: {e.Message}: `{pattern}`";
            return null;
        }
        if (_compiled.Count < MaxEntries)
        {
            _compiled.TryAdd(pattern, regex);
        }
        return regex;
    }

    internal static string? Translate(string pattern, out string? error)
    {
        error = null;
        var multiline = pattern.Contains("(?m", StringComparison.Ordinal) || (pattern.Contains("(?", StringComparison.Ordinal) && HasFlag(pattern, 'm'));
        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var n = pattern[i + 1];
                if (char.IsAsciiDigit(n) && n != '0' || n is 'Z' or 'C' or 'Q' or 'E' or 'G' or 'k')
                {
                    error = $"error parsing regexp: invalid escape sequence: `\\{n}`";
                    return null;
                }
                if (n is 'p' or 'P' && i + 2 < pattern.Length && pattern[i + 2] != '{')
                {
                    sb.Append('\\').Append(n).Append('{').Append(pattern[i + 2]).Append('}');
                    i += 2;
                    continue;
                }
                sb.Append(c).Append(n);
                i++;
                continue;
            }
            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }
                sb.Append(c);
                continue;
            }
            switch (c)
            {
                case '[':
                    inClass = true;
                    sb.Append(c);
                    // A ']' first in a class (after an optional '^') is a literal in RE2.
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        sb.Append('^');
                        i++;
                    }
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        sb.Append("\\]");
                        i++;
                    }
                    break;
                case '(' when i + 1 < pattern.Length && pattern[i + 1] == '?':
                    var rest = pattern.AsSpan(i + 2);
                    if (rest.StartsWith("P<"))
                    {
                        sb.Append("(?<");
                        i += 3;
                    }
                    else if (rest.StartsWith("=") || rest.StartsWith("!") || rest.StartsWith("<") || rest.StartsWith(">") || rest.StartsWith("P="))
                    {
                        error = $"error parsing regexp: invalid or unsupported Perl syntax: `{pattern.Substring(i, Math.Min(3, pattern.Length - i))}`";
                        return null;
                    }
                    else
                    {
                        var end = rest.IndexOfAny(')', ':');
                        if (end >= 0 && rest[..end].ContainsAny("U#'"))
                        {
                            error = $"error parsing regexp: invalid or unsupported Perl syntax: `{pattern.Substring(i, Math.Min(end + 3, pattern.Length - i))}`";
                            return null;
                        }
                        sb.Append(c);
                    }
                    break;
                case '{' when RepeatCount(pattern, i) > 1000:
                    error = $"error parsing regexp: invalid repeat count: `{pattern[i..(pattern.IndexOf('}', i) + 1)]}`";
                    return null;
                case '$' when !multiline:
                    sb.Append("\\z");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>The largest bound of a `{n}`, `{n,}` or `{n,m}` at i (RE2 refuses bounds above 1000); -1 when it is not one.</summary>
    private static long RepeatCount(string pattern, int i)
    {
        var end = pattern.IndexOf('}', i);
        if (end < 0)
        {
            return -1;
        }
        var parts = pattern[(i + 1)..end].Split(',');
        if (parts.Length > 2 || parts[0].Length == 0 || parts.Any(p => p.Length > 0 && !p.All(char.IsAsciiDigit)))
        {
            return -1;
        }
        return parts.Where(p => p.Length > 0).Max(p => p.Length > 9 ? long.MaxValue : long.Parse(p, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool HasFlag(string pattern, char flag)
    {
        for (var i = pattern.IndexOf("(?", StringComparison.Ordinal); i >= 0; i = pattern.IndexOf("(?", i + 2, StringComparison.Ordinal))
        {
            var j = i + 2;
            while (j < pattern.Length && char.IsAsciiLetter(pattern[j]) || (j < pattern.Length && pattern[j] == '-'))
            {
                if (pattern[j] == flag)
                {
                    return true;
                }
                j++;
            }
        }
        return false;
    }
}
