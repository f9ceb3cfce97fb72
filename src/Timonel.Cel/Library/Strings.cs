using System.Text;
using System.Text.RegularExpressions;
using Timonel.Cel.Values;

namespace Timonel.Cel.Library;

/// <summary>
/// String functions: the standard ones (contains, startsWith, endsWith, matches) and cel-go's strings
/// extension as Kubernetes enables it (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace,
/// split, substring, trim, join), plus Kubernetes' regex library (find, findAll). Indexes count code points.
/// </summary>
internal static class Strings
{
    public static void Register(Dictionary<string, CelFunction> f)
    {
        f["contains"] = (c, a) => Binary(c, a, "contains", (s, t) => CelBool.Of(s.Contains(t, StringComparison.Ordinal)));
        f["startsWith"] = (c, a) => Binary(c, a, "startsWith", (s, t) => CelBool.Of(s.StartsWith(t, StringComparison.Ordinal)));
        f["endsWith"] = (c, a) => Binary(c, a, "endsWith", (s, t) => CelBool.Of(s.EndsWith(t, StringComparison.Ordinal)));
        f["matches"] = Matches;
        f["find"] = (c, a) => a is [CelString s, CelString p] ? Find(c, s.Value, p.Value) : CelError.NoOverload("find");
        f["findAll"] = FindAll;
        f["charAt"] = (_, a) => a is [CelString s, CelInt i] ? CharAt(s.Value, i.Value) : CelError.NoOverload("charAt");
        f["indexOf"] = IndexOf;
        f["lastIndexOf"] = LastIndexOf;
        f["lowerAscii"] = (_, a) => a is [CelString s] ? new CelString(MapAscii(s.Value, upper: false)) : CelError.NoOverload("lowerAscii");
        f["upperAscii"] = (_, a) => a is [CelString s] ? new CelString(MapAscii(s.Value, upper: true)) : CelError.NoOverload("upperAscii");
        f["replace"] = Replace;
        f["split"] = Split;
        f["substring"] = Substring;
        f["trim"] = (_, a) => a is [CelString s] ? new CelString(s.Value.Trim()) : CelError.NoOverload("trim");
        f["join"] = Join;
        f["reverse"] = (_, a) => a is [CelString s] ? new CelString(FromRunes(Runes(s.Value).Reverse())) : CelError.NoOverload("reverse");
    }

    private static CelValue Binary(CallContext c, CelValue[] a, string name, Func<string, string, CelValue> op)
    {
        if (a is not [CelString s, CelString t])
        {
            return CelError.NoOverload(name);
        }
        c.ChargeSize(s.Value.Length);
        return op(s.Value, t.Value);
    }

    internal static int[] Runes(string s)
    {
        var list = new List<int>(s.Length);
        foreach (var r in s.EnumerateRunes())
        {
            list.Add(r.Value);
        }
        return [.. list];
    }

    internal static string FromRunes(IEnumerable<int> runes)
    {
        var sb = new StringBuilder();
        foreach (var r in runes)
        {
            sb.Append(char.ConvertFromUtf32(r));
        }
        return sb.ToString();
    }

    private static Regex? Compile(CallContext c, string pattern, out CelValue? error)
    {
        var regex = c.Regexes.Get(pattern, out var message);
        error = regex is null ? new CelError(message!) : null;
        return regex;
    }

    private static CelValue Matches(CallContext c, CelValue[] a)
    {
        if (a is not [CelString s, CelString p])
        {
            return CelError.NoOverload("matches");
        }
        c.ChargeSize(s.Value.Length);
        var regex = Compile(c, p.Value, out var error);
        if (regex is null)
        {
            return error!;
        }
        try
        {
            return CelBool.Of(regex.IsMatch(s.Value));
        }
        catch (RegexMatchTimeoutException)
        {
            return new CelError("regex match timed out");
        }
    }

    private static CelValue Find(CallContext c, string s, string pattern)
    {
        c.ChargeSize(s.Length);
        var regex = Compile(c, pattern, out var error);
        if (regex is null)
        {
            return error!;
        }
        try
        {
            var m = regex.Match(s);
            return new CelString(m.Success ? m.Value : "");
        }
        catch (RegexMatchTimeoutException)
        {
            return new CelError("regex match timed out");
        }
    }

    private static CelValue FindAll(CallContext c, CelValue[] a)
    {
        if (a is not [CelString s, CelString p, ..] || a.Length > 3 || (a.Length == 3 && a[2] is not CelInt))
        {
            return CelError.NoOverload("findAll");
        }
        var limit = a.Length == 3 ? ((CelInt)a[2]).Value : -1;
        c.ChargeSize(s.Value.Length);
        var regex = Compile(c, p.Value, out var error);
        if (regex is null)
        {
            return error!;
        }
        var found = new List<CelValue>();
        try
        {
            for (var m = regex.Match(s.Value); m.Success && (limit < 0 || found.Count < limit); m = m.NextMatch())
            {
                found.Add(new CelString(m.Value));
            }
        }
        catch (RegexMatchTimeoutException)
        {
            return new CelError("regex match timed out");
        }
        return new CelArrayList(found);
    }

    private static CelValue CharAt(string s, long index)
    {
        var runes = Runes(s);
        if (index < 0 || index > runes.Length)
        {
            return new CelError($"index out of range: {index}");
        }
        return new CelString(index == runes.Length ? "" : char.ConvertFromUtf32(runes[index]));
    }

    private static CelValue IndexOf(CallContext c, CelValue[] a)
    {
        if (a is [CelList, _])
        {
            return KubernetesLists.IndexOf(a[0], a[1], last: false);
        }
        if (a is not [CelString s, CelString t, ..] || a.Length > 3 || (a.Length == 3 && a[2] is not CelInt))
        {
            return CelError.NoOverload("indexOf");
        }
        c.ChargeSize(s.Value.Length);
        var text = Runes(s.Value);
        var sub = Runes(t.Value);
        var start = a.Length == 3 ? ((CelInt)a[2]).Value : 0;
        if (start < 0 || start > text.Length)
        {
            return new CelError($"index out of range: {start}");
        }
        for (var i = (int)start; i + sub.Length <= text.Length; i++)
        {
            if (text.AsSpan(i, sub.Length).SequenceEqual(sub))
            {
                return new CelInt(i);
            }
        }
        return new CelInt(-1);
    }

    private static CelValue LastIndexOf(CallContext c, CelValue[] a)
    {
        if (a is [CelList, _])
        {
            return KubernetesLists.IndexOf(a[0], a[1], last: true);
        }
        if (a is not [CelString s, CelString t, ..] || a.Length > 3 || (a.Length == 3 && a[2] is not CelInt))
        {
            return CelError.NoOverload("lastIndexOf");
        }
        c.ChargeSize(s.Value.Length);
        var text = Runes(s.Value);
        var sub = Runes(t.Value);
        var end = a.Length == 3 ? ((CelInt)a[2]).Value : text.Length;
        if (end < 0 || end > text.Length)
        {
            return new CelError($"index out of range: {end}");
        }
        for (var i = (int)Math.Min(end, text.Length - sub.Length); i >= 0; i--)
        {
            if (text.AsSpan(i, sub.Length).SequenceEqual(sub))
            {
                return new CelInt(i);
            }
        }
        return new CelInt(-1);
    }

    private static string MapAscii(string s, bool upper)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = upper ? (chars[i] is >= 'a' and <= 'z' ? (char)(chars[i] - 32) : chars[i])
                : (chars[i] is >= 'A' and <= 'Z' ? (char)(chars[i] + 32) : chars[i]);
        }
        return new string(chars);
    }

    private static CelValue Replace(CallContext c, CelValue[] a)
    {
        if (a is not [CelString s, CelString from, CelString to, ..] || a.Length > 4 || (a.Length == 4 && a[3] is not CelInt))
        {
            return CelError.NoOverload("replace");
        }
        c.ChargeSize(s.Value.Length);
        var limit = a.Length == 4 ? ((CelInt)a[3]).Value : -1;
        if (limit < 0)
        {
            return new CelString(from.Value.Length == 0 ? ReplaceEmpty(s.Value, to.Value, int.MaxValue) : s.Value.Replace(from.Value, to.Value, StringComparison.Ordinal));
        }
        if (from.Value.Length == 0)
        {
            return new CelString(ReplaceEmpty(s.Value, to.Value, limit));
        }
        var sb = new StringBuilder();
        var pos = 0;
        for (var n = 0; n < limit; n++)
        {
            var i = s.Value.IndexOf(from.Value, pos, StringComparison.Ordinal);
            if (i < 0)
            {
                break;
            }
            sb.Append(s.Value, pos, i - pos).Append(to.Value);
            pos = i + from.Value.Length;
        }
        return new CelString(sb.Append(s.Value, pos, s.Value.Length - pos).ToString());
    }

    // Go's strings.Replace with an empty old string inserts before each code point and at the end.
    private static string ReplaceEmpty(string s, string to, long limit)
    {
        var sb = new StringBuilder();
        var n = 0L;
        foreach (var r in s.EnumerateRunes())
        {
            if (n++ < limit)
            {
                sb.Append(to);
            }
            sb.Append(r.ToString());
        }
        if (n < limit)
        {
            sb.Append(to);
        }
        return sb.ToString();
    }

    private static CelValue Split(CallContext c, CelValue[] a)
    {
        if (a is not [CelString s, CelString sep, ..] || a.Length > 3 || (a.Length == 3 && a[2] is not CelInt))
        {
            return CelError.NoOverload("split");
        }
        c.ChargeSize(s.Value.Length);
        var limit = a.Length == 3 ? ((CelInt)a[2]).Value : -1;
        if (limit == 0)
        {
            return CelArrayList.Empty;
        }
        string[] parts;
        if (sep.Value.Length == 0)
        {
            var runes = Runes(s.Value);
            var take = limit < 0 ? runes.Length : (int)Math.Min(limit, runes.Length);
            parts = new string[take];
            for (var i = 0; i < take; i++)
            {
                parts[i] = i == take - 1 && take < runes.Length ? FromRunes(runes.Skip(i)) : char.ConvertFromUtf32(runes[i]);
            }
        }
        else
        {
            parts = limit < 0 ? s.Value.Split(sep.Value) : s.Value.Split(sep.Value, (int)Math.Min(limit, int.MaxValue));
        }
        return new CelArrayList(parts.Select(p => (CelValue)new CelString(p)).ToArray());
    }

    private static CelValue Substring(CallContext c, CelValue[] a)
    {
        if (a is not [CelString s, CelInt start, ..] || a.Length > 3 || (a.Length == 3 && a[2] is not CelInt))
        {
            return CelError.NoOverload("substring");
        }
        var runes = Runes(s.Value);
        var end = a.Length == 3 ? ((CelInt)a[2]).Value : runes.Length;
        if (start.Value < 0 || start.Value > runes.Length)
        {
            return new CelError($"index out of range: {start.Value}");
        }
        if (end < 0 || end > runes.Length)
        {
            return new CelError($"index out of range: {end}");
        }
        if (start.Value > end)
        {
            return new CelError($"invalid substring range. start: {start.Value}, end: {end}");
        }
        return new CelString(FromRunes(runes.Skip((int)start.Value).Take((int)(end - start.Value))));
    }

    private static CelValue Join(CallContext c, CelValue[] a)
    {
        if (a is not [CelList list, ..] || a.Length > 2 || (a.Length == 2 && a[1] is not CelString))
        {
            return CelError.NoOverload("join");
        }
        var sep = a.Length == 2 ? ((CelString)a[1]).Value : "";
        var parts = new List<string>(list.Count);
        foreach (var item in list.Items())
        {
            if (item is not CelString s)
            {
                return CelError.NoOverload("join");
            }
            parts.Add(s.Value);
        }
        c.ChargeSize(parts.Sum(p => (long)p.Length));
        return new CelString(string.Join(sep, parts));
    }
}
