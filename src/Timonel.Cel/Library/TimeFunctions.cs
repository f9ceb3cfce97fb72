using Timonel.Cel.Values;

namespace Timonel.Cel.Library;

/// <summary>
/// Timestamp accessors (in UTC or the time zone given: an IANA name or a fixed offset `±HH:MM`) and
/// duration conversions (getHours/getMinutes/getSeconds are totals; getMilliseconds is the component).
/// </summary>
internal static class TimeFunctions
{
    public static void Register(Dictionary<string, CelFunction> f)
    {
        Accessor(f, "getFullYear", t => t.Year);
        Accessor(f, "getMonth", t => t.Month - 1);
        Accessor(f, "getDate", t => t.Day);
        Accessor(f, "getDayOfMonth", t => t.Day - 1);
        Accessor(f, "getDayOfWeek", t => (int)t.DayOfWeek);
        Accessor(f, "getDayOfYear", t => t.DayOfYear - 1);
        Accessor(f, "getHours", t => t.Hour, d => d / 3_600_000_000_000);
        Accessor(f, "getMinutes", t => t.Minute, d => d / 60_000_000_000);
        Accessor(f, "getSeconds", t => t.Second, d => d / 1_000_000_000);
        Accessor(f, "getMilliseconds", t => t.Millisecond, d => d % 1_000_000_000 / 1_000_000);
    }

    private static void Accessor(Dictionary<string, CelFunction> f, string name, Func<DateTime, int> ofTime, Func<long, long>? ofDuration = null)
    {
        f[name] = (_, a) =>
        {
            switch (a)
            {
                case [CelTimestamp t]:
                    return new CelInt(ofTime(t.ToDateTimeOffset().UtcDateTime));
                case [CelTimestamp t, CelString zone]:
                    var local = InZone(t.ToDateTimeOffset(), zone.Value);
                    return local is null ? new CelError($"unknown time zone: {zone.Value}") : new CelInt(ofTime(local.Value));
                case [CelDuration d] when ofDuration is not null:
                    return new CelInt(ofDuration(d.Nanos));
                default:
                    return CelError.NoOverload(name);
            }
        };
    }

    private static DateTime? InZone(DateTimeOffset instant, string zone)
    {
        // cel-go accepts "HH:MM" without a sign as a positive offset.
        var z = zone;
        var sign = 1;
        if (z.Length > 0 && z[0] is '+' or '-')
        {
            sign = z[0] == '-' ? -1 : 1;
            z = z[1..];
        }
        if (z.Length == 5 && z[2] == ':' && int.TryParse(z.AsSpan(0, 2), out var h) && int.TryParse(z.AsSpan(3, 2), out var m))
        {
            return instant.UtcDateTime.Add(sign * new TimeSpan(h, m, 0));
        }
        if (zone == "UTC")
        {
            return instant.UtcDateTime;
        }
        try
        {
            return TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }
}
