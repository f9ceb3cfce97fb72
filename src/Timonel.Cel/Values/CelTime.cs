using System.Globalization;
using System.Text;

namespace Timonel.Cel.Values;

/// <summary>
/// google.protobuf.Timestamp: nanoseconds since the Unix epoch, within 0001-01-01 and 9999-12-31 UTC
/// (the range protobuf and cel-go accept); out-of-range results are errors, never wrapped values.
/// </summary>
public sealed class CelTimestamp : CelValue
{
    internal static readonly Int128 MinNanos = (Int128)(-62135596800L) * 1_000_000_000;
    internal static readonly Int128 MaxNanos = ((Int128)253402300799L * 1_000_000_000) + 999_999_999;

    private CelTimestamp(Int128 nanos) => Nanos = nanos;

    /// <summary>Nanoseconds since 1970-01-01T00:00:00Z.</summary>
    public Int128 Nanos { get; }

    public override CelType Type => CelType.Timestamp;

    public long Seconds => (long)Int128.DivRem(Nanos - FloorNanosRemainder(), 1_000_000_000).Quotient;

    public int NanosOfSecond => (int)FloorNanosRemainder();

    public static CelValue Create(Int128 nanos) =>
        nanos < MinNanos || nanos > MaxNanos ? new CelError("timestamp out of range") : new CelTimestamp(nanos);

    public static CelValue FromDateTimeOffset(DateTimeOffset value) =>
        Create((Int128)(value.UtcTicks - DateTime.UnixEpoch.Ticks) * 100);

    public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.UnixEpoch.AddTicks((long)((Nanos - NanosOfSecond) / 100)).AddTicks(NanosOfSecond / 100);

    private Int128 FloorNanosRemainder()
    {
        var r = Nanos % 1_000_000_000;
        return r < 0 ? r + 1_000_000_000 : r;
    }

    /// <summary>RFC 3339 with 'Z' or an offset and up to nine fractional digits, as protobuf's JSON form.</summary>
    public static CelValue Parse(string text)
    {
        // yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        {
            return Invalid(text);
        }
        if (!TryDigits(text, 0, 4, out var year) || !TryDigits(text, 5, 2, out var month) || !TryDigits(text, 8, 2, out var day)
            || !TryDigits(text, 11, 2, out var hour) || !TryDigits(text, 14, 2, out var minute) || !TryDigits(text, 17, 2, out var second))
        {
            return Invalid(text);
        }
        var pos = 19;
        long fraction = 0;
        if (pos < text.Length && text[pos] == '.')
        {
            pos++;
            var digits = 0;
            while (pos < text.Length && char.IsAsciiDigit(text[pos]))
            {
                if (digits == 9)
                {
                    return Invalid(text);
                }
                fraction = (fraction * 10) + (text[pos] - '0');
                digits++;
                pos++;
            }
            if (digits == 0)
            {
                return Invalid(text);
            }
            for (; digits < 9; digits++)
            {
                fraction *= 10;
            }
        }
        int offsetMinutes;
        if (pos < text.Length && text[pos] is 'Z' or 'z' && pos + 1 == text.Length)
        {
            offsetMinutes = 0;
        }
        else if (pos + 6 == text.Length && text[pos] is '+' or '-' && text[pos + 3] == ':'
            && TryDigits(text, pos + 1, 2, out var oh) && TryDigits(text, pos + 4, 2, out var om) && oh < 24 && om < 60)
        {
            offsetMinutes = (text[pos] == '-' ? -1 : 1) * ((oh * 60) + om);
        }
        else
        {
            return Invalid(text);
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return Invalid(text);
        }
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        var seconds = (long)(local - DateTime.UnixEpoch).TotalSeconds - (offsetMinutes * 60L);
        return Create(((Int128)seconds * 1_000_000_000) + fraction);
    }

    private static CelError Invalid(string text) => new($"timestamp('{text}'): invalid timestamp");

    private static bool TryDigits(string s, int start, int count, out int value)
    {
        value = 0;
        if (start + count > s.Length)
        {
            return false;
        }
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
            value = (value * 10) + (s[i] - '0');
        }
        return true;
    }

    /// <summary>RFC 3339 in UTC with the fraction's trailing zeros dropped, as Go's RFC3339Nano.</summary>
    public override string ToString()
    {
        var dt = DateTime.UnixEpoch.AddSeconds(Seconds);
        var sb = new StringBuilder(dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        if (NanosOfSecond != 0)
        {
            sb.Append('.').Append(NanosOfSecond.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0'));
        }
        return sb.Append('Z').ToString();
    }
}

/// <summary>google.protobuf.Duration as cel-go keeps it: a signed 64-bit count of nanoseconds (about ±292 years).</summary>
public sealed class CelDuration(long nanos) : CelValue
{
    public long Nanos { get; } = nanos;

    public override CelType Type => CelType.Duration;

    public static CelValue FromTimeSpan(TimeSpan t) => new CelDuration(t.Ticks * 100);

    public static CelValue Create(Int128 nanos) =>
        nanos < long.MinValue || nanos > long.MaxValue ? new CelError("duration out of range") : new CelDuration((long)nanos);

    /// <summary>Go's time.ParseDuration syntax: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` with units ns, us, µs, ms, s, m, h.</summary>
    public static CelValue Parse(string text)
    {
        var s = text;
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
        {
            return new CelDuration(0);
        }
        if (s.Length == 0)
        {
            return InvalidDuration(text);
        }
        Int128 total = 0;
        var pos = 0;
        while (pos < s.Length)
        {
            var start = pos;
            while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '.'))
            {
                pos++;
            }
            var number = s[start..pos];
            var unitStart = pos;
            while (pos < s.Length && !char.IsAsciiDigit(s[pos]) && s[pos] != '.')
            {
                pos++;
            }
            var unit = s[unitStart..pos];
            long scale = unit switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                _ => 0,
            };
            if (scale == 0 || number.Length == 0 || number == "." || number.Count(c => c == '.') > 1)
            {
                return InvalidDuration(text);
            }
            var dot = number.IndexOf('.', StringComparison.Ordinal);
            var whole = dot < 0 ? number : number[..dot];
            var frac = dot < 0 ? "" : number[(dot + 1)..];
            if (whole.Length > 30 || !Int128.TryParse(whole.Length == 0 ? "0" : whole, CultureInfo.InvariantCulture, out var w))
            {
                return InvalidDuration(text);
            }
            total += w * scale;
            Int128 f = 0;
            Int128 div = 1;
            foreach (var ch in frac.Take(18))
            {
                f = (f * 10) + (ch - '0');
                div *= 10;
            }
            total += f * scale / div;
            if (total > (Int128)long.MaxValue + 1)
            {
                return new CelError($"duration('{text}'): out of range");
            }
        }
        return Create(negative ? -total : total);
    }

    private static CelError InvalidDuration(string text) => new($"duration('{text}'): invalid duration");

    /// <summary>Seconds with as many decimals as needed and an 's', as cel-go prints durations.</summary>
    public override string ToString()
    {
        var whole = Nanos / 1_000_000_000;
        var frac = Math.Abs(Nanos % 1_000_000_000);
        var sign = Nanos < 0 && whole == 0 ? "-" : "";
        var text = sign + whole.ToString(CultureInfo.InvariantCulture);
        if (frac != 0)
        {
            text += "." + frac.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        }
        return text + "s";
    }
}
