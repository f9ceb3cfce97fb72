using System.Globalization;
using System.Text;

namespace Timonel.Api.Selectors;

/// <summary>
/// Formats values the way upstream's Go error messages do (%q quoting, field.Error text), so that
/// selector errors match kube-apiserver's word for word.
/// </summary>
public static class GoText
{
    /// <summary>Go's %q of a string.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>A string list as Go's json.Marshal writes it: ["a","b"].</summary>
    public static string JsonList(IEnumerable<string> values) => "[" + string.Join(",", values.Select(Quote)) + "]";

    /// <summary>field.Invalid(path, value, detail).Error().</summary>
    public static string Invalid(string path, string quotedValue, string detail) =>
        $"{path}: Invalid value: {quotedValue}: {detail}";

    /// <summary>An aggregate error: one message alone, several as "[a, b]" with duplicates dropped.</summary>
    public static string Aggregate(IReadOnlyList<string> messages)
    {
        var distinct = messages.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }
}
