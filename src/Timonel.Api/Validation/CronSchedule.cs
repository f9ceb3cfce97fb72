using System.Globalization;

namespace Timonel.Api.Validation;

/// <summary>
/// Syntax check of a CronJob schedule as upstream's parser (robfig/cron ParseStandard) accepts it:
/// five fields (minute hour day-of-month month day-of-week) with lists, ranges, steps, month and
/// day names, or a descriptor (@hourly, @every 1h30m, ...). Errors read like that parser's.
/// </summary>
public static class CronSchedule
{
    private static readonly string[] Descriptors = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] Days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static readonly (int Min, int Max, string[]? Names, int NameBase)[] Fields =
    [
        (0, 59, null, 0),
        (0, 23, null, 0),
        (1, 31, null, 0),
        (1, 12, Months, 1),
        (0, 6, Days, 0),
    ];

    /// <summary>The parse error, or null when the schedule is valid.</summary>
    public static string? Validate(string schedule)
    {
        if (schedule.Length == 0)
        {
            return "empty spec string";
        }
        if (schedule.StartsWith("TZ=", StringComparison.Ordinal) || schedule.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = schedule.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                return "provided bad location " + schedule;
            }
            schedule = schedule[(space + 1)..].Trim();
        }
        if (schedule.StartsWith('@'))
        {
            return ValidateDescriptor(schedule);
        }
        var fields = schedule.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return $"expected exactly 5 fields, found {fields.Length}: [{string.Join(" ", fields)}]";
        }
        for (var i = 0; i < fields.Length; i++)
        {
            foreach (var part in fields[i].Split(','))
            {
                if (ValidateRange(part, Fields[i]) is { } error)
                {
                    return error;
                }
            }
        }
        return null;
    }

    private static string? ValidateDescriptor(string schedule)
    {
        if (Descriptors.Contains(schedule))
        {
            return null;
        }
        const string every = "@every ";
        if (schedule.StartsWith(every, StringComparison.Ordinal))
        {
            return GoDuration.TryParse(schedule[every.Length..].Trim(), out _)
                ? null
                : $"failed to parse duration {schedule}: time: invalid duration \"{schedule[every.Length..].Trim()}\"";
        }
        return "unrecognized descriptor: " + schedule;
    }

    private static string? ValidateRange(string expr, (int Min, int Max, string[]? Names, int NameBase) field)
    {
        var rangeAndStep = expr.Split('/');
        if (rangeAndStep.Length > 2)
        {
            return "too many slashes: " + expr;
        }
        var lowAndHigh = rangeAndStep[0].Split('-');
        if (lowAndHigh.Length > 2)
        {
            return "too many hyphens: " + expr;
        }
        int start, end;
        if (lowAndHigh[0] is "*" or "?")
        {
            (start, end) = (field.Min, field.Max);
            if (lowAndHigh.Length > 1)
            {
                return "too many hyphens: " + expr;
            }
        }
        else
        {
            if (Value(lowAndHigh[0], field, out start) is { } e1)
            {
                return e1;
            }
            end = start;
            if (lowAndHigh.Length == 2 && Value(lowAndHigh[1], field, out end) is { } e2)
            {
                return e2;
            }
        }
        if (rangeAndStep.Length == 2)
        {
            if (!int.TryParse(rangeAndStep[1], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            {
                return $"failed to parse int from {rangeAndStep[1]}: strconv.Atoi: parsing \"{rangeAndStep[1]}\": invalid syntax";
            }
            if (step <= 0)
            {
                return "step of range should be a positive number: " + expr;
            }
            if (lowAndHigh.Length == 1 && lowAndHigh[0] is not ("*" or "?"))
            {
                end = field.Max;
            }
        }
        if (start < field.Min)
        {
            return $"beginning of range ({start}) below minimum ({field.Min}): {expr}";
        }
        if (end > field.Max)
        {
            return $"end of range ({end}) above maximum ({field.Max}): {expr}";
        }
        if (start > end)
        {
            return $"beginning of range ({start}) beyond end of range ({end}): {expr}";
        }
        return null;
    }

    private static string? Value(string text, (int Min, int Max, string[]? Names, int NameBase) field, out int value)
    {
        if (field.Names is { } names && Array.IndexOf(names, text.ToLowerInvariant()) is var index and >= 0)
        {
            value = index + field.NameBase;
            return null;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return null;
        }
        return $"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax";
    }
}
