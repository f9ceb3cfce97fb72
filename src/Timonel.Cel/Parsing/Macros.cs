using Timonel.Cel.Values;

namespace Timonel.Cel.Parsing;

/// <summary>The comprehension macros (langdef.md "Macros"), expanded as cel-go expands them.</summary>
internal static class Macros
{
    /// <summary>The accumulator's name; '@' keeps it out of reach of expressions.</summary>
    public const string Accumulator = "@result";

    /// <summary>true unless the argument is false: lets all()/exists() stop early while errors stay absorbable.</summary>
    public const string NotStrictlyFalse = "@not_strictly_false";

    public static Expr? TryExpand(int pos, Expr target, string name, Expr[] args)
    {
        var kind = (name, args.Length) switch
        {
            ("all", 2) or ("exists", 2) or ("exists_one", 2) or ("filter", 2) or ("map", 2) or ("map", 3) => name,
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }
        if (args[0] is not IdentExpr { Name: var x } || x.StartsWith('.'))
        {
            throw new CelSyntaxException(args[0].Position, "argument must be a simple name");
        }
        var accu = new IdentExpr(pos, Accumulator);
        Expr Call(string fn, params Expr[] a) => new CallExpr(pos, null, fn, a);
        ConstExpr Const(CelValue v) => new(pos, v);
        Expr init, cond, step, result;
        switch (kind)
        {
            case "all":
                init = Const(CelBool.True);
                cond = Call(NotStrictlyFalse, accu);
                step = Call("_&&_", accu, args[1]);
                result = accu;
                break;
            case "exists":
                init = Const(CelBool.False);
                cond = Call(NotStrictlyFalse, Call("!_", accu));
                step = Call("_||_", accu, args[1]);
                result = accu;
                break;
            case "exists_one":
                init = Const(new CelInt(0));
                cond = Const(CelBool.True);
                step = Call("_?_:_", args[1], Call("_+_", accu, Const(new CelInt(1))), accu);
                result = Call("_==_", accu, Const(new CelInt(1)));
                break;
            case "filter":
                init = Const(CelArrayList.Empty);
                cond = Const(CelBool.True);
                step = Call("_?_:_", args[1], Call("_+_", accu, new ListExpr(pos, [args[0]])), accu);
                result = accu;
                break;
            default: // map, with or without a filter
                init = Const(CelArrayList.Empty);
                cond = Const(CelBool.True);
                var transform = args[^1];
                step = Call("_+_", accu, new ListExpr(pos, [transform]));
                if (args.Length == 3)
                {
                    step = Call("_?_:_", args[1], step, accu);
                }
                result = accu;
                break;
        }
        return new ComprehensionExpr(pos, x, null, target, Accumulator, init, cond, step, result);
    }
}
