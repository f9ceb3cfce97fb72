using Cronos;
using Timonel.Api.Validation;

namespace Timonel.Controllers.CronJob;

/// <summary>
/// A CronJob's schedule in its time zone: five cron fields or a macro (@hourly, ...) through
/// Cronos, or "@every &lt;duration&gt;" as upstream's parser; the zone comes from spec.timeZone, a
/// legacy "TZ=" / "CRON_TZ=" prefix, or the controller's local zone as upstream.
/// </summary>
internal sealed class CronJobSchedule
{
    private readonly CronExpression? _cron;
    private readonly TimeSpan _every;

    private CronJobSchedule(CronExpression? cron, TimeSpan every, TimeZoneInfo zone)
    {
        _cron = cron;
        _every = every;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>Loads an IANA zone; null when unknown (upstream's UnknownTimeZone).</summary>
    public static TimeZoneInfo? FindZone(string name) =>
        name.Length > 0 && !name.Equals("Local", StringComparison.OrdinalIgnoreCase) && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) ? zone : null;

    /// <summary>Parses the schedule in <paramref name="zone"/> (or a TZ= prefix's zone); the error reads like upstream's parser.</summary>
    public static CronJobSchedule? Parse(string schedule, TimeZoneInfo? zone, out string? error)
    {
        error = null;
        var text = schedule.Trim();
        if (text.StartsWith("TZ=", StringComparison.Ordinal) || text.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var name = space < 0 ? text[(text.IndexOf('=', StringComparison.Ordinal) + 1)..] : text[(text.IndexOf('=', StringComparison.Ordinal) + 1)..space];
            if (space < 0 || FindZone(name) is not { } prefixZone)
            {
                error = $"provided bad location {name}: unknown time zone {name}";
                return null;
            }

            zone ??= prefixZone;
            text = text[(space + 1)..].Trim();
        }

        zone ??= TimeZoneInfo.Local;
        const string every = "@every ";
        if (text.StartsWith(every, StringComparison.Ordinal))
        {
            if (!GoDuration.TryParse(text[every.Length..].Trim(), out var interval))
            {
                error = $"failed to parse duration {text}";
                return null;
            }

            // As upstream: whole seconds, at least one.
            var seconds = Math.Max(1, (long)interval.TotalSeconds);
            return new CronJobSchedule(null, TimeSpan.FromSeconds(seconds), zone);
        }

        if (CronSchedule.Validate(text) is { } invalid)
        {
            error = invalid;
            return null;
        }

        try
        {
            return new CronJobSchedule(CronExpression.Parse(text, CronFormat.Standard), TimeSpan.Zero, zone);
        }
        catch (CronFormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>The first scheduled time strictly after <paramref name="after"/>; null if there is none (e.g. 30 February).</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        if (_cron is null)
        {
            var truncated = after.AddTicks(-(after.Ticks % TimeSpan.TicksPerSecond));
            return truncated + _every;
        }

        return _cron.GetNextOccurrence(after, Zone);
    }

    /// <summary>
    /// The latest scheduled time in (<paramref name="earliest"/>, <paramref name="now"/>], and how
    /// many were there (counted up to 101: upstream only warns past 100).
    /// </summary>
    public (DateTimeOffset? MostRecent, int Missed) MostRecent(DateTimeOffset earliest, DateTimeOffset now)
    {
        var missed = 0;
        for (var t = Next(earliest); t is { } at && at <= now && missed <= 100; t = Next(at))
        {
            missed++;
        }

        if (missed == 0)
        {
            return (null, 0);
        }

        // Search backwards in doubling windows so a long outage does not walk every missed time.
        var window = TimeSpan.FromMinutes(1);
        while (true)
        {
            var from = now - window < earliest ? earliest : now - window;
            DateTimeOffset? latest = null;
            for (var t = Next(from); t is { } at && at <= now; t = Next(at))
            {
                latest = at;
            }

            if (latest is not null || from == earliest)
            {
                return (latest, missed);
            }

            window *= 2;
        }
    }
}
