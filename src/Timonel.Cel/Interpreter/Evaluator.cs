using System.Runtime.CompilerServices;
using Timonel.Cel.Library;
using Timonel.Cel.Parsing;
using Timonel.Cel.Values;

namespace Timonel.Cel.Interpreter;

/// <summary>
/// Walks a parsed expression. One instance per evaluation (it holds the cost spent and the loop
/// variables in scope); errors are values, so only the cost limit ends an evaluation early.
/// </summary>
internal sealed class Evaluator(ICelActivation activation, FunctionRegistry functions, RegexCache regexes, long costLimit)
{
    public const string CostExceededMessage = "operation cancelled: actual cost limit exceeded";

    private Scope? _scope;

    /// <summary>The cost spent so far, in cel-go's units (about one per node visited, more for sizes).</summary>
    public long Cost { get; private set; }

    public CelValue Evaluate(Expr root)
    {
        try
        {
            return Eval(root);
        }
        catch (CostLimitExceededException)
        {
            return new CelError(CostExceededMessage);
        }
        catch (InsufficientExecutionStackException)
        {
            return new CelError("expression recursion limit exceeded");
        }
    }

    internal void Charge(long units)
    {
        Cost += units;
        if (Cost > costLimit)
        {
            throw new CostLimitExceededException();
        }
    }

    private CelValue Eval(Expr e)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (e)
        {
            case ConstExpr c:
                return c.Value;
            case IdentExpr id:
                Charge(1);
                return Resolve(id.Name) ?? new CelError($"undeclared reference to '{id.Name.TrimStart('.')}' (in container '')") { IsUndeclaredReference = true };
            case SelectExpr s:
                return Select(s);
            case CallExpr call:
                return Call(call);
            case ListExpr list:
                return List(list);
            case MapExpr map:
                return Map(map);
            case ComprehensionExpr comp:
                return Comprehension(comp);
            default:
                return new CelError("unknown expression");
        }
    }

    private CelValue? Resolve(string name)
    {
        if (!name.StartsWith('.'))
        {
            for (var s = _scope; s != null; s = s.Parent)
            {
                if (s.Name == name)
                {
                    return s.Value;
                }
            }
        }
        var global = name.TrimStart('.');
        if (activation.TryResolve(global, out var v))
        {
            return v;
        }
        return CelType.Named.TryGetValue(global, out var t) ? new CelTypeValue(t) : null;
    }

    /// <summary>`a.b.c` where `a` is not a variable may name one (`google.protobuf.Timestamp`, a declared `a.b`).</summary>
    private static string? QualifiedName(Expr e) => e switch
    {
        IdentExpr id => id.Name,
        SelectExpr { TestOnly: false } s when QualifiedName(s.Operand) is { } prefix => prefix + "." + s.Field,
        _ => null,
    };

    private CelValue Select(SelectExpr s)
    {
        Charge(1);
        var operand = Eval(s.Operand);
        // Only when the chain's root is unbound is `a.b.c` looked up whole, so bound variables pay nothing.
        if (operand is CelError { IsUndeclaredReference: true } && !s.TestOnly && QualifiedName(s) is { } qualified)
        {
            return Resolve(qualified) ?? new CelError($"undeclared reference to '{qualified.TrimStart('.')}' (in container '')") { IsUndeclaredReference = true };
        }
        switch (operand)
        {
            case CelError or CelUnknown:
                return operand;
            case CelMap map:
                if (map.TryGet(new CelString(s.Field), out var v))
                {
                    return s.TestOnly ? CelBool.True : v;
                }
                return s.TestOnly ? CelBool.False : new CelError($"no such key: {s.Field}");
            default:
                return new CelError($"type '{operand.Type.Name}' does not support field selection");
        }
    }

    private CelValue List(ListExpr list)
    {
        Charge(10);
        var items = new CelValue[list.Elements.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var v = Eval(list.Elements[i]);
            if (v is CelError or CelUnknown)
            {
                return v;
            }
            items[i] = v;
        }
        return new CelArrayList(items);
    }

    private CelValue Map(MapExpr map)
    {
        Charge(30);
        var entries = CelMapValue.NewDictionary();
        foreach (var (keyExpr, valueExpr) in map.Entries)
        {
            var key = Eval(keyExpr);
            if (key is CelError or CelUnknown)
            {
                return key;
            }
            if (key is not (CelInt or CelUint or CelBool or CelString))
            {
                return new CelError($"unsupported key type: {key.Type.Name}");
            }
            var value = Eval(valueExpr);
            if (value is CelError or CelUnknown)
            {
                return value;
            }
            if (!entries.TryAdd(key, value))
            {
                return new CelError($"Failed with repeated key: {key}");
            }
        }
        return new CelMapValue(entries);
    }

    private CelValue Comprehension(ComprehensionExpr c)
    {
        var range = Eval(c.IterRange);
        IEnumerable<CelValue> items;
        switch (range)
        {
            case CelError or CelUnknown:
                return range;
            case CelList list:
                items = list.Items();
                break;
            case CelMap map:
                items = map.Keys;
                break;
            default:
                return new CelError($"expression of type '{range.Type.Name}' cannot be range of a comprehension (must be list, map, or dynamic)");
        }
        var saved = _scope;
        try
        {
            _scope = new Scope(c.AccuVar, Eval(c.AccuInit), saved);
            var accu = _scope;
            foreach (var item in items)
            {
                Charge(1);
                _scope = new Scope(c.IterVar, item, accu);
                var go = Eval(c.LoopCondition);
                if (go is CelBool { Value: false })
                {
                    break;
                }
                accu.Value = Eval(c.LoopStep);
            }
            _scope = accu;
            return Eval(c.Result);
        }
        finally
        {
            _scope = saved;
        }
    }

    private CelValue Call(CallExpr call)
    {
        switch (call.Function)
        {
            case "_&&_" when call.Target is null && call.Args.Length == 2:
                return Logic(call, and: true);
            case "_||_" when call.Target is null && call.Args.Length == 2:
                return Logic(call, and: false);
            case "_?_:_" when call.Target is null && call.Args.Length == 3:
                var cond = Eval(call.Args[0]);
                return cond switch
                {
                    CelBool b => Eval(call.Args[b.Value ? 1 : 2]),
                    CelError or CelUnknown => cond,
                    _ => CelError.NoOverload("_?_:_"),
                };
            case Macros.NotStrictlyFalse:
                return Eval(call.Args[0]) is CelBool { Value: false } ? CelBool.False : CelBool.True;
        }
        Charge(1);
        var n = call.Args.Length + (call.Target is null ? 0 : 1);
        var args = new CelValue[n];
        var offset = 0;
        if (call.Target is not null)
        {
            args[0] = Eval(call.Target);
            offset = 1;
        }
        for (var i = 0; i < call.Args.Length; i++)
        {
            args[i + offset] = Eval(call.Args[i]);
        }
        CelUnknown? unknown = null;
        foreach (var a in args)
        {
            if (a is CelError)
            {
                return a;
            }
            if (a is CelUnknown u)
            {
                unknown = unknown is null ? u : CelUnknown.Merge(unknown, u);
            }
        }
        if (unknown is not null)
        {
            return unknown;
        }
        if (!functions.TryGet(call.Function, out var fn))
        {
            return new CelError($"no such overload: {call.Function}");
        }
        return fn(new CallContext(this, regexes), args);
    }

    /// <summary>CEL's commutative logic: a false (for &&) or true (for ||) on either side wins over errors and unknowns.</summary>
    private CelValue Logic(CallExpr call, bool and)
    {
        var left = Eval(call.Args[0]);
        if (left is CelBool lb && lb.Value != and)
        {
            return left;
        }
        var right = Eval(call.Args[1]);
        if (right is CelBool rb)
        {
            if (rb.Value != and)
            {
                return right;
            }
            if (left is CelBool)
            {
                return right;
            }
        }
        if (left is CelUnknown lu)
        {
            return right is CelUnknown ru ? CelUnknown.Merge(lu, ru) : lu;
        }
        if (right is CelUnknown)
        {
            return right;
        }
        if (left is CelError)
        {
            return left;
        }
        if (right is CelError)
        {
            return right;
        }
        return CelError.NoOverload(and ? "_&&_" : "_||_");
    }

    private sealed class Scope(string name, CelValue value, Scope? parent)
    {
        public string Name { get; } = name;
        public CelValue Value { get; set; } = value;
        public Scope? Parent { get; } = parent;
    }

    private sealed class CostLimitExceededException : Exception
    {
    }
}
