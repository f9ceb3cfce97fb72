using System.Globalization;
using System.Text;
using Timonel.Cel.Values;

namespace Timonel.Cel.Library;

/// <summary>Type conversions (langdef.md "Type Conversions") with cel-go's range rules and string forms.</summary>
internal static class Conversions
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Register(Dictionary<string, CelFunction> f)
    {
        f["int"] = (_, a) => a.Length == 1 ? ToInt(a[0]) : CelError.NoOverload("int");
        f["uint"] = (_, a) => a.Length == 1 ? ToUint(a[0]) : CelError.NoOverload("uint");
        f["double"] = (_, a) => a.Length == 1 ? ToDouble(a[0]) : CelError.NoOverload("double");
        f["string"] = (_, a) => a.Length == 1 ? ToCelString(a[0]) : CelError.NoOverload("string");
        f["bytes"] = (_, a) => a.Length == 1 ? a[0] switch
        {
            CelBytes b => b,
            CelString s => new CelBytes(Encoding.UTF8.GetBytes(s.Value)),
            _ => CelError.NoOverload("bytes"),
        } : CelError.NoOverload("bytes");
        f["bool"] = (_, a) => a.Length == 1 ? ToBool(a[0]) : CelError.NoOverload("bool");
        f["duration"] = (_, a) => a.Length == 1 ? a[0] switch
        {
            CelDuration d => d,
            CelString s => CelDuration.Parse(s.Value),
            _ => CelError.NoOverload("duration"),
        } : CelError.NoOverload("duration");
        f["timestamp"] = (_, a) => a.Length == 1 ? a[0] switch
        {
            CelTimestamp t => t,
            CelString s => CelTimestamp.Parse(s.Value),
            CelInt i => CelTimestamp.Create((Int128)i.Value * 1_000_000_000),
            _ => CelError.NoOverload("timestamp"),
        } : CelError.NoOverload("timestamp");
    }

    private static CelError Range(string what) => new($"{what} out of range");

    public static CelValue ToInt(CelValue v) => v switch
    {
        CelInt => v,
        CelUint u => u.Value > long.MaxValue ? Range("int") : new CelInt((long)u.Value),
        // Go's conversion is undefined beyond these bounds; cel-go answers a range error.
        CelDouble d => double.IsNaN(d.Value) || d.Value <= -9.2233720368547758E18 || d.Value >= 9.2233720368547758E18
            ? Range("int") : new CelInt((long)d.Value),
        CelString s => long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? new CelInt(l) : new CelError($"cannot convert '{s.Value}' to int"),
        CelTimestamp t => new CelInt(t.Seconds),
        CelBool b => new CelInt(b.Value ? 1 : 0),
        _ => CelError.NoOverload("int"),
    };

    public static CelValue ToUint(CelValue v) => v switch
    {
        CelUint => v,
        CelInt i => i.Value < 0 ? Range("uint") : new CelUint((ulong)i.Value),
        CelDouble d => double.IsNaN(d.Value) || d.Value < 0 || d.Value >= 1.8446744073709552E19
            ? Range("uint") : new CelUint((ulong)d.Value),
        CelString s => ulong.TryParse(s.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
            ? new CelUint(u) : new CelError($"cannot convert '{s.Value}' to uint"),
        _ => CelError.NoOverload("uint"),
    };

    public static CelValue ToDouble(CelValue v) => v switch
    {
        CelDouble => v,
        CelInt i => new CelDouble(i.Value),
        CelUint u => new CelDouble(u.Value),
        CelString s => ParseDouble(s.Value) is { } d ? new CelDouble(d) : new CelError($"cannot convert '{s.Value}' to double"),
        _ => CelError.NoOverload("double"),
    };

    // Go's strconv.ParseFloat spellings, including inf/infinity/nan in any case.
    private static double? ParseDouble(string s)
    {
        var t = s.TrimStart('+', '-').ToLowerInvariant();
        if (t is "inf" or "infinity")
        {
            return s.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
        }
        if (t == "nan")
        {
            return double.NaN;
        }
        if (s.Length == 0 || s.Any(c => !(char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-')))
        {
            return null;
        }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private static CelValue ToBool(CelValue v) => v switch
    {
        CelBool => v,
        CelString s => s.Value switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => CelBool.True,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => CelBool.False,
            _ => new CelError($"Type conversion error from 'string' to 'bool': '{s.Value}'"),
        },
        _ => CelError.NoOverload("bool"),
    };

    public static CelValue ToCelString(CelValue v)
    {
        switch (v)
        {
            case CelString:
                return v;
            case CelInt i:
                return new CelString(i.Value.ToString(CultureInfo.InvariantCulture));
            case CelUint u:
                return new CelString(u.Value.ToString(CultureInfo.InvariantCulture));
            case CelDouble d:
                return new CelString(FormatDouble(d.Value));
            case CelBool b:
                return new CelString(b.Value ? "true" : "false");
            case CelBytes b:
                try
                {
                    return new CelString(StrictUtf8.GetString(b.Value));
                }
                catch (DecoderFallbackException)
                {
                    return new CelError("invalid UTF-8 in bytes, cannot convert to string");
                }
            case CelTimestamp or CelDuration:
                return new CelString(v.ToString()!);
            case CelTypeValue t:
                return new CelString(t.Value.Name);
            default:
                return CelError.NoOverload("string");
        }
    }

    /// <summary>Go's strconv.FormatFloat(d, 'g', -1, 64): shortest digits, exponent form below 1e-4 or from 1e6 (Go prints 1e+06).</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? "+Inf" : "-Inf";
        }
        if (d == 0)
        {
            return double.IsNegative(d) ? "-0" : "0";
        }
        // "E16" is not shortest; "R" is, in either fixed or exponent form: normalise it to digits + exponent.
        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var exp = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot < 0 ? r : r[..dot];
        var fracPart = dot < 0 ? "" : r[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        digits = digits.TrimEnd('0');
        // Decimal point position relative to the start of 'digits'.
        var dp = intPart.Length + exp - leadingZeros;
        var x = dp - 1;
        var sign = d < 0 ? "-" : "";
        if (x < -4 || x >= 6)
        {
            var mant = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            return $"{sign}{mant}e{(x < 0 ? "-" : "+")}{Math.Abs(x):D2}";
        }
        if (dp <= 0)
        {
            return sign + "0." + new string('0', -dp) + digits;
        }
        if (dp >= digits.Length)
        {
            return sign + digits + new string('0', dp - digits.Length);
        }
        return sign + digits[..dp] + "." + digits[dp..];
    }
}
