using System.Globalization;
using System.Text;

namespace Timonel.Controllers.Job;

/// <summary>
/// The set of finished indexes of an Indexed Job in status.completedIndexes' compressed form:
/// ascending, comma-separated, with runs written as "first-last" ("0-2,4").
/// </summary>
internal static class CompletedIndexes
{
    /// <summary>The indexes in <paramref name="text"/> below <paramref name="completions"/>; malformed parts are skipped.</summary>
    public static SortedSet<int> Parse(string? text, int completions)
    {
        var set = new SortedSet<int>();
        if (string.IsNullOrEmpty(text))
        {
            return set;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var first = dash < 0 ? part : part[..dash];
            var last = dash < 0 ? part : part[(dash + 1)..];
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var to))
            {
                continue;
            }

            for (var i = from; i <= to && i < completions; i++)
            {
                set.Add(i);
            }
        }

        return set;
    }

    /// <summary>The compressed form, or null for an empty set (upstream leaves the field unset).</summary>
    public static string? Format(IEnumerable<int> indexes)
    {
        var text = new StringBuilder();
        int? start = null;
        var previous = 0;
        foreach (var i in indexes.Distinct().Order())
        {
            if (start is not null && i == previous + 1)
            {
                previous = i;
                continue;
            }

            Append(text, start, previous);
            start = i;
            previous = i;
        }

        Append(text, start, previous);
        return text.Length == 0 ? null : text.ToString();
    }

    private static void Append(StringBuilder text, int? start, int last)
    {
        if (start is not { } first)
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append(',');
        }

        text.Append(first.ToString(CultureInfo.InvariantCulture));
        if (last != first)
        {
            text.Append('-').Append(last.ToString(CultureInfo.InvariantCulture));
        }
    }
}
