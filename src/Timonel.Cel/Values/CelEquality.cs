namespace Timonel.Cel.Values;

/// <summary>
/// Equality and ordering as cel-go does them by default: numbers compare across int, uint and double
/// by value; other values of different types are unequal (never an error); lists and maps compare
/// element-wise, an error inside surfacing only when no element already decides "unequal".
/// </summary>
internal static class CelEquality
{
    public static CelValue Equal(CelValue a, CelValue b)
    {
        switch (a)
        {
            case CelError or CelUnknown:
                return a;
        }
        if (b is CelError or CelUnknown)
        {
            return b;
        }
        if (IsNumber(a) && IsNumber(b))
        {
            var c = CompareNumbers(a, b);
            return CelBool.Of(c == 0);
        }
        switch (a, b)
        {
            case (CelBool x, CelBool y): return CelBool.Of(x.Value == y.Value);
            case (CelString x, CelString y): return CelBool.Of(string.Equals(x.Value, y.Value, StringComparison.Ordinal));
            case (CelBytes x, CelBytes y): return CelBool.Of(x.Value.AsSpan().SequenceEqual(y.Value));
            case (CelNull, CelNull): return CelBool.True;
            case (CelTypeValue x, CelTypeValue y): return CelBool.Of(x.Value.Equals(y.Value));
            case (CelTimestamp x, CelTimestamp y): return CelBool.Of(x.Nanos == y.Nanos);
            case (CelDuration x, CelDuration y): return CelBool.Of(x.Nanos == y.Nanos);
            case (CelList x, CelList y): return ListsEqual(x, y);
            case (CelMap x, CelMap y): return MapsEqual(x, y);
            default: return CelBool.False;
        }
    }

    private static CelValue ListsEqual(CelList x, CelList y)
    {
        if (x.Count != y.Count)
        {
            return CelBool.False;
        }
        CelValue? error = null;
        for (var i = 0; i < x.Count; i++)
        {
            var e = Equal(x[i], y[i]);
            if (e is CelBool { Value: false })
            {
                return CelBool.False;
            }
            if (e is not CelBool)
            {
                error ??= e;
            }
        }
        return error ?? CelBool.True;
    }

    private static CelValue MapsEqual(CelMap x, CelMap y)
    {
        if (x.Count != y.Count)
        {
            return CelBool.False;
        }
        CelValue? error = null;
        foreach (var key in x.Keys)
        {
            if (!x.TryGet(key, out var xv) || !y.TryGet(key, out var yv))
            {
                return CelBool.False;
            }
            var e = Equal(xv, yv);
            if (e is CelBool { Value: false })
            {
                return CelBool.False;
            }
            if (e is not CelBool)
            {
                error ??= e;
            }
        }
        return error ?? CelBool.True;
    }

    public static bool IsNumber(CelValue v) => v is CelInt or CelUint or CelDouble;

    /// <summary>-1, 0 or 1; null when either side is NaN (then nothing is equal or ordered).</summary>
    public static int? CompareNumbers(CelValue a, CelValue b)
    {
        switch (a, b)
        {
            case (CelInt x, CelInt y): return x.Value.CompareTo(y.Value);
            case (CelUint x, CelUint y): return x.Value.CompareTo(y.Value);
            case (CelInt x, CelUint y): return x.Value < 0 ? -1 : ((ulong)x.Value).CompareTo(y.Value);
            case (CelUint x, CelInt y): return y.Value < 0 ? 1 : x.Value.CompareTo((ulong)y.Value);
            case (CelDouble x, CelDouble y): return double.IsNaN(x.Value) || double.IsNaN(y.Value) ? null : x.Value.CompareTo(y.Value);
            case (CelDouble x, _): return Negate(CompareIntegerToDouble(b, x.Value));
            case (_, CelDouble y): return CompareIntegerToDouble(a, y.Value);
            default: return null;
        }
    }

    private static int? Negate(int? c) => c is null ? null : -c;

    // As cel-go (and the cel-spec tests): the integer is converted to double, rounding included.
    private static int? CompareIntegerToDouble(CelValue integer, double d)
    {
        if (double.IsNaN(d))
        {
            return null;
        }
        var x = integer is CelInt i ? (double)i.Value : (double)((CelUint)integer).Value;
        return x.CompareTo(d);
    }

    /// <summary>Ordering for `&lt;` and friends; null when the types have no ordering between them.</summary>
    public static int? Compare(CelValue a, CelValue b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return CompareNumbers(a, b);
        }
        return (a, b) switch
        {
            (CelString x, CelString y) => Math.Sign(string.CompareOrdinal(x.Value, y.Value)) is var s && s != 0 ? CompareCodePoints(x.Value, y.Value) : 0,
            (CelBytes x, CelBytes y) => Math.Sign(x.Value.AsSpan().SequenceCompareTo(y.Value)),
            (CelBool x, CelBool y) => x.Value.CompareTo(y.Value),
            (CelTimestamp x, CelTimestamp y) => x.Nanos.CompareTo(y.Nanos),
            (CelDuration x, CelDuration y) => x.Nanos.CompareTo(y.Nanos),
            _ => null,
        };
    }

    // UTF-16 ordinal order differs from code point order for characters above U+FFFF.
    private static int CompareCodePoints(string x, string y)
    {
        var ex = x.EnumerateRunes();
        var ey = y.EnumerateRunes();
        while (true)
        {
            var hx = ex.MoveNext();
            var hy = ey.MoveNext();
            if (!hx || !hy)
            {
                return hx == hy ? 0 : hx ? 1 : -1;
            }
            var c = ex.Current.Value.CompareTo(ey.Current.Value);
            if (c != 0)
            {
                return Math.Sign(c);
            }
        }
    }
}
