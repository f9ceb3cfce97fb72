using Timonel.Cel.Values;

namespace Timonel.Cel.Library;

/// <summary>Arithmetic, comparison, indexing, membership, size and type: langdef.md's standard definitions.</summary>
internal static class Operators
{
    public const string Overflow = "integer overflow";

    public static void Register(Dictionary<string, CelFunction> f)
    {
        f["_+_"] = (c, a) => Add(c, a[0], a[1]);
        f["_-_"] = (_, a) => Subtract(a[0], a[1]);
        f["_*_"] = (_, a) => Multiply(a[0], a[1]);
        f["_/_"] = (_, a) => Divide(a[0], a[1]);
        f["_%_"] = (_, a) => Modulo(a[0], a[1]);
        f["-_"] = (_, a) => a[0] switch
        {
            CelInt i => i.Value == long.MinValue ? new CelError(Overflow) : new CelInt(-i.Value),
            CelDouble d => new CelDouble(-d.Value),
            CelDuration d => d.Nanos == long.MinValue ? new CelError(Overflow) : new CelDuration(-d.Nanos),
            _ => CelError.NoOverload("-_"),
        };
        f["!_"] = (_, a) => a[0] is CelBool b ? CelBool.Of(!b.Value) : CelError.NoOverload("!_");
        f["_==_"] = (_, a) => CelEquality.Equal(a[0], a[1]);
        f["_!=_"] = (_, a) => CelEquality.Equal(a[0], a[1]) is CelBool b ? CelBool.Of(!b.Value) : CelError.NoOverload("_!=_");
        f["_<_"] = (_, a) => Order(a, "_<_", c => c < 0);
        f["_<=_"] = (_, a) => Order(a, "_<=_", c => c <= 0);
        f["_>_"] = (_, a) => Order(a, "_>_", c => c > 0);
        f["_>=_"] = (_, a) => Order(a, "_>=_", c => c >= 0);
        f["_[_]"] = (_, a) => Index(a[0], a[1]);
        f["@in"] = (c, a) => In(c, a[0], a[1]);
        f["size"] = (_, a) => a.Length == 1 ? Size(a[0]) : CelError.NoOverload("size");
        f["type"] = (_, a) => a.Length == 1 ? new CelTypeValue(a[0].Type) : CelError.NoOverload("type");
        f["dyn"] = (_, a) => a.Length == 1 ? a[0] : CelError.NoOverload("dyn");
    }

    private static CelValue Order(CelValue[] a, string name, Func<int, bool> test) =>
        a.Length == 2 && CelEquality.Compare(a[0], a[1]) is var c && (c.HasValue || (CelEquality.IsNumber(a[0]) && CelEquality.IsNumber(a[1])))
            ? CelBool.Of(c.HasValue && test(c.Value))
            : CelError.NoOverload(name);

    public static CelValue Size(CelValue v) => v switch
    {
        CelString s => new CelInt(CodePointCount(s.Value)),
        CelBytes b => new CelInt(b.Value.Length),
        CelList l => new CelInt(l.Count),
        CelMap m => new CelInt(m.Count),
        _ => CelError.NoOverload("size"),
    };

    public static int CodePointCount(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            n++;
        }
        return n;
    }

    private static CelValue Add(CallContext c, CelValue x, CelValue y)
    {
        switch (x, y)
        {
            case (CelInt a, CelInt b):
                var sum = unchecked(a.Value + b.Value);
                return ((a.Value ^ sum) & (b.Value ^ sum)) < 0 ? new CelError(Overflow) : new CelInt(sum);
            case (CelUint a, CelUint b):
                return ulong.MaxValue - a.Value < b.Value ? new CelError(Overflow) : new CelUint(a.Value + b.Value);
            case (CelDouble a, CelDouble b):
                return new CelDouble(a.Value + b.Value);
            case (CelString a, CelString b):
                c.ChargeSize(a.Value.Length + b.Value.Length);
                return new CelString(a.Value + b.Value);
            case (CelBytes a, CelBytes b):
                c.ChargeSize(a.Value.Length + b.Value.Length);
                return new CelBytes([.. a.Value, .. b.Value]);
            case (CelList a, CelList b):
                return CelConcatList.Of(a, b);
            case (CelDuration a, CelDuration b):
                return CelDuration.Create((Int128)a.Nanos + b.Nanos);
            case (CelTimestamp a, CelDuration b):
                return CelTimestamp.Create(a.Nanos + b.Nanos);
            case (CelDuration a, CelTimestamp b):
                return CelTimestamp.Create(b.Nanos + a.Nanos);
            default:
                return CelError.NoOverload("_+_");
        }
    }

    private static CelValue Subtract(CelValue x, CelValue y)
    {
        switch (x, y)
        {
            case (CelInt a, CelInt b):
                var diff = unchecked(a.Value - b.Value);
                return ((a.Value ^ b.Value) & (a.Value ^ diff)) < 0 ? new CelError(Overflow) : new CelInt(diff);
            case (CelUint a, CelUint b):
                return a.Value < b.Value ? new CelError(Overflow) : new CelUint(a.Value - b.Value);
            case (CelDouble a, CelDouble b):
                return new CelDouble(a.Value - b.Value);
            case (CelDuration a, CelDuration b):
                return CelDuration.Create((Int128)a.Nanos - b.Nanos);
            case (CelTimestamp a, CelDuration b):
                return CelTimestamp.Create(a.Nanos - b.Nanos);
            case (CelTimestamp a, CelTimestamp b):
                return CelDuration.Create(a.Nanos - b.Nanos);
            default:
                return CelError.NoOverload("_-_");
        }
    }

    private static CelValue Multiply(CelValue x, CelValue y)
    {
        switch (x, y)
        {
            case (CelInt a, CelInt b):
                var p = (Int128)a.Value * b.Value;
                return p < long.MinValue || p > long.MaxValue ? new CelError(Overflow) : new CelInt((long)p);
            case (CelUint a, CelUint b):
                var q = (UInt128)a.Value * b.Value;
                return q > ulong.MaxValue ? new CelError(Overflow) : new CelUint((ulong)q);
            case (CelDouble a, CelDouble b):
                return new CelDouble(a.Value * b.Value);
            default:
                return CelError.NoOverload("_*_");
        }
    }

    private static CelValue Divide(CelValue x, CelValue y)
    {
        switch (x, y)
        {
            case (CelInt a, CelInt b):
                if (b.Value == 0)
                {
                    return new CelError("division by zero");
                }
                return a.Value == long.MinValue && b.Value == -1 ? new CelError(Overflow) : new CelInt(a.Value / b.Value);
            case (CelUint a, CelUint b):
                return b.Value == 0 ? new CelError("division by zero") : new CelUint(a.Value / b.Value);
            case (CelDouble a, CelDouble b):
                return new CelDouble(a.Value / b.Value);
            default:
                return CelError.NoOverload("_/_");
        }
    }

    private static CelValue Modulo(CelValue x, CelValue y)
    {
        switch (x, y)
        {
            case (CelInt a, CelInt b):
                if (b.Value == 0)
                {
                    return new CelError("modulus by zero");
                }
                return a.Value == long.MinValue && b.Value == -1 ? new CelError(Overflow) : new CelInt(a.Value % b.Value);
            case (CelUint a, CelUint b):
                return b.Value == 0 ? new CelError("modulus by zero") : new CelUint(a.Value % b.Value);
            default:
                return CelError.NoOverload("_%_");
        }
    }

    public static CelValue Index(CelValue target, CelValue index)
    {
        switch (target)
        {
            case CelList list:
                long i;
                switch (index)
                {
                    case CelInt n:
                        i = n.Value;
                        break;
                    case CelUint u:
                        i = u.Value > long.MaxValue ? -1 : (long)u.Value;
                        break;
                    case CelDouble d when d.Value == Math.Floor(d.Value) && Math.Abs(d.Value) < 9.2e18:
                        i = (long)d.Value;
                        break;
                    case CelDouble:
                        return new CelError($"unsupported index value {index}");
                    default:
                        return CelError.NoOverload("_[_]");
                }
                return i < 0 || i >= list.Count
                    ? new CelError($"index out of bounds: {i}")
                    : list[(int)i];
            case CelMap map:
                if (index is not (CelInt or CelUint or CelBool or CelString or CelDouble))
                {
                    return CelError.NoOverload("_[_]");
                }
                return map.TryGet(index, out var v) ? v : new CelError($"no such key: {index}");
            default:
                return CelError.NoOverload("_[_]");
        }
    }

    private static CelValue In(CallContext c, CelValue element, CelValue container)
    {
        switch (container)
        {
            case CelList list:
                c.ChargeSize(list.Count);
                CelValue? error = null;
                for (var i = 0; i < list.Count; i++)
                {
                    var e = CelEquality.Equal(element, list[i]);
                    if (e is CelBool { Value: true })
                    {
                        return CelBool.True;
                    }
                    if (e is not CelBool)
                    {
                        error ??= e;
                    }
                }
                return error ?? CelBool.False;
            case CelMap map:
                return CelBool.Of(map.TryGet(element, out _));
            default:
                return CelError.NoOverload("@in");
        }
    }
}
