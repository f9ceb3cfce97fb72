using Timonel.Cel.Values;

namespace Timonel.Cel.Library;

/// <summary>Kubernetes' CEL list library: isSorted, sum, min, max, indexOf, lastIndexOf (k8s.io/apiserver/pkg/cel/library/lists.go).</summary>
internal static class KubernetesLists
{
    public static void Register(Dictionary<string, CelFunction> f)
    {
        f["isSorted"] = (_, a) => a is [CelList l] ? IsSorted(l) : CelError.NoOverload("isSorted");
        f["sum"] = (_, a) => a is [CelList l] ? Sum(l) : CelError.NoOverload("sum");
        f["min"] = (_, a) => a is [CelList l] ? Extreme(l, "min", c => c < 0) : CelError.NoOverload("min");
        f["max"] = (_, a) => a is [CelList l] ? Extreme(l, "max", c => c > 0) : CelError.NoOverload("max");
    }

    private static CelValue IsSorted(CelList list)
    {
        for (var i = 1; i < list.Count; i++)
        {
            var c = CelEquality.Compare(list[i - 1], list[i]);
            if (c is null)
            {
                return CelError.NoOverload("isSorted");
            }
            if (c > 0)
            {
                return CelBool.False;
            }
        }
        return CelBool.True;
    }

    private static CelValue Sum(CelList list)
    {
        if (list.Count == 0)
        {
            return new CelInt(0);
        }
        var total = list[0];
        for (var i = 1; i < list.Count; i++)
        {
            total = (total, list[i]) switch
            {
                (CelInt a, CelInt b) => ((Int128)a.Value + b.Value) is var s && s >= long.MinValue && s <= long.MaxValue ? new CelInt((long)s) : new CelError(Operators.Overflow),
                (CelUint a, CelUint b) => ulong.MaxValue - a.Value >= b.Value ? new CelUint(a.Value + b.Value) : new CelError(Operators.Overflow),
                (CelDouble a, CelDouble b) => new CelDouble(a.Value + b.Value),
                (CelDuration a, CelDuration b) => CelDuration.Create((Int128)a.Nanos + b.Nanos),
                _ => CelError.NoOverload("sum"),
            };
            if (total is CelError)
            {
                return total;
            }
        }
        return total is CelInt or CelUint or CelDouble or CelDuration ? total : CelError.NoOverload("sum");
    }

    private static CelValue Extreme(CelList list, string name, Func<int, bool> better)
    {
        if (list.Count == 0)
        {
            return new CelError($"{name} called on empty list");
        }
        var best = list[0];
        for (var i = 1; i < list.Count; i++)
        {
            var c = CelEquality.Compare(list[i], best);
            if (c is null)
            {
                return CelError.NoOverload(name);
            }
            if (better(c.Value))
            {
                best = list[i];
            }
        }
        return best;
    }

    public static CelValue IndexOf(CelValue target, CelValue element, bool last)
    {
        var list = (CelList)target;
        for (var n = 0; n < list.Count; n++)
        {
            var i = last ? list.Count - 1 - n : n;
            if (CelEquality.Equal(list[i], element) is CelBool { Value: true })
            {
                return new CelInt(i);
            }
        }
        return new CelInt(-1);
    }
}
