using Timonel.Cel.Library;
using Timonel.Cel.Parsing;
using Timonel.Cel.Values;

namespace Timonel.Cel.Checking;

/// <summary>
/// Infers each sub-expression's type from the declarations and reports what cel-go's checker reports:
/// undeclared references, undefined fields of schema objects, calls no overload accepts (worded
/// "found no matching overload for '_+_' applied to '(string, int)'"). dyn matches anything, so
/// untyped data (int-or-string, JSON without a schema) is checked at run time instead.
/// </summary>
internal sealed class TypeChecker(string source, IReadOnlyDictionary<string, CelType> variables, FunctionRegistry functions, List<CelIssue> issues)
{
    private readonly List<(string Name, CelType Type)> _scope = [];

    public CelType Check(Expr e)
    {
        switch (e)
        {
            case ConstExpr c:
                return c.Value switch
                {
                    CelList => CelType.ListOf(CelType.Dyn),
                    _ => c.Value.Type,
                };
            case IdentExpr id:
                return Ident(id);
            case SelectExpr s:
                return Select(s);
            case CallExpr call:
                return Call(call);
            case ListExpr list:
                return CelType.ListOf(Join(list.Elements.Select(Check).ToList()));
            case MapExpr map:
                var keys = new List<CelType>();
                var values = new List<CelType>();
                foreach (var (k, v) in map.Entries)
                {
                    keys.Add(Check(k));
                    values.Add(Check(v));
                }
                return CelType.MapOf(Join(keys), Join(values));
            case ComprehensionExpr comp:
                return Comprehension(comp);
            default:
                return CelType.Dyn;
        }
    }

    private CelType Ident(IdentExpr id)
    {
        var name = id.Name.TrimStart('.');
        if (!id.Name.StartsWith('.'))
        {
            for (var i = _scope.Count - 1; i >= 0; i--)
            {
                if (_scope[i].Name == name)
                {
                    return _scope[i].Type;
                }
            }
        }
        if (variables.TryGetValue(name, out var t))
        {
            return t;
        }
        if (CelType.Named.ContainsKey(name))
        {
            return CelType.Type;
        }
        Report(id.Position, $"undeclared reference to '{name}' (in container '')");
        return CelType.Dyn;
    }

    private static string? Qualified(Expr e) => e switch
    {
        IdentExpr id => id.Name.TrimStart('.'),
        SelectExpr { TestOnly: false } s when Qualified(s.Operand) is { } p => p + "." + s.Field,
        _ => null,
    };

    private bool InScope(string name) => _scope.Any(s => s.Name == name);

    private CelType Select(SelectExpr s)
    {
        if (!s.TestOnly && Qualified(s) is { } q && !InScope(q.Split('.')[0]) && !variables.ContainsKey(q.Split('.')[0]))
        {
            if (variables.TryGetValue(q, out var declared))
            {
                return declared;
            }
            if (CelType.Named.ContainsKey(q))
            {
                return CelType.Type;
            }
        }
        var operand = Check(s.Operand);
        CelType field;
        if (operand.IsObject)
        {
            if (!operand.Fields!.TryGetValue(s.Field, out field!))
            {
                Report(s.Position, $"undefined field '{s.Field}'");
                field = CelType.Dyn;
            }
        }
        else if (operand.Name == "map")
        {
            field = operand.Parameters.Count == 2 ? operand.Parameters[1] : CelType.Dyn;
        }
        else if (operand.Equals(CelType.Dyn))
        {
            field = CelType.Dyn;
        }
        else
        {
            Report(s.Position, $"type '{operand}' does not support field selection");
            field = CelType.Dyn;
        }
        return s.TestOnly ? CelType.Bool : field;
    }

    private CelType Comprehension(ComprehensionExpr c)
    {
        var range = Check(c.IterRange);
        CelType element;
        if (range.Name == "list")
        {
            element = range.Parameters.Count == 1 ? range.Parameters[0] : CelType.Dyn;
        }
        else if (range.Name == "map")
        {
            element = range.Parameters.Count == 2 ? range.Parameters[0] : CelType.Dyn;
        }
        else if (range.Equals(CelType.Dyn))
        {
            element = CelType.Dyn;
        }
        else
        {
            Report(c.IterRange.Position, $"expression of type '{range}' cannot be range of a comprehension (must be list, map, or dynamic)");
            element = CelType.Dyn;
        }
        var accu = Check(c.AccuInit);
        _scope.Add((c.AccuVar, accu));
        _scope.Add((c.IterVar, element));
        Check(c.LoopCondition);
        var step = Check(c.LoopStep);
        _scope.RemoveAt(_scope.Count - 1);
        _scope.RemoveAt(_scope.Count - 1);
        _scope.Add((c.AccuVar, MoreSpecific(accu, step)));
        var result = Check(c.Result);
        _scope.RemoveAt(_scope.Count - 1);
        return result;
    }

    // The accumulator of map/filter starts as list(dyn); the step shows its element type.
    private static CelType MoreSpecific(CelType init, CelType step) =>
        init.Name == "list" && step.Name == "list" && init.Parameters.Count == 1 && init.Parameters[0].Equals(CelType.Dyn) ? step : init;

    private CelType Call(CallExpr call)
    {
        var args = new List<CelType>();
        if (call.Target is not null)
        {
            args.Add(Check(call.Target));
        }
        args.AddRange(call.Args.Select(Check));
        if (!Overloads.TryGet(call.Function, out var overloads))
        {
            if (!functions.Contains(call.Function))
            {
                Report(call.Position, $"undeclared reference to '{call.Function}' (in container '')");
            }
            return CelType.Dyn;
        }
        CelType? result = null;
        var matched = false;
        foreach (var o in overloads)
        {
            if (o.Receiver != (call.Target is not null) || o.Params.Length != args.Count)
            {
                continue;
            }
            var bindings = new Dictionary<string, CelType>(StringComparer.Ordinal);
            if (!args.Select((a, i) => Unify(o.Params[i], a, bindings)).All(ok => ok))
            {
                continue;
            }
            var r = Substitute(o.Result, bindings);
            result = !matched ? r : result!.Equals(r) && SameParams(result, r) ? result : CelType.Dyn;
            matched = true;
        }
        if (!matched)
        {
            var shown = call.Target is not null
                ? $"{args[0]}.({string.Join(", ", args.Skip(1))})"
                : $"({string.Join(", ", args)})";
            Report(call.Position, $"found no matching overload for '{call.Function}' applied to '{shown}'");
            return CelType.Dyn;
        }
        return result!;
    }

    private static bool SameParams(CelType a, CelType b) =>
        a.Parameters.Count == b.Parameters.Count && a.Parameters.Zip(b.Parameters).All(p => p.First.Equals(p.Second) && SameParams(p.First, p.Second));

    /// <summary>Whether an argument of type actual fits the parameter, binding type parameters as it goes.</summary>
    private static bool Unify(CelType param, CelType actual, Dictionary<string, CelType> bindings)
    {
        if (param.IsParameter)
        {
            if (!bindings.TryGetValue(param.Name, out var bound))
            {
                bindings[param.Name] = actual;
                return true;
            }
            if (Assignable(bound, actual))
            {
                // A parameter first seen as dyn takes the first precise type it meets (`[] + [1]` is list(int)).
                if (bound.Equals(CelType.Dyn) || bound.Equals(CelType.Null))
                {
                    bindings[param.Name] = actual;
                }
                return true;
            }
            return false;
        }
        if (param.Equals(CelType.Dyn) || actual.Equals(CelType.Dyn))
        {
            return true;
        }
        if (param.Name != actual.Name)
        {
            return false;
        }
        if (param.Parameters.Count == 0 || actual.Parameters.Count == 0)
        {
            return true;
        }
        return param.Parameters.Count == actual.Parameters.Count
            && param.Parameters.Zip(actual.Parameters).All(p => Unify(p.First, p.Second, bindings));
    }

    private static bool Assignable(CelType a, CelType b)
    {
        if (a.Equals(CelType.Dyn) || b.Equals(CelType.Dyn))
        {
            return true;
        }
        if (a.Equals(CelType.Null) || b.Equals(CelType.Null))
        {
            // null compares with objects and the well-known message types, as in cel-go.
            var other = a.Equals(CelType.Null) ? b : a;
            return other.Equals(CelType.Null) || other.IsObject || other.Equals(CelType.Timestamp) || other.Equals(CelType.Duration);
        }
        if (a.Name != b.Name || (a.IsObject && !ReferenceEquals(a, b) && !SameFields(a, b)))
        {
            return false;
        }
        return a.Parameters.Count != b.Parameters.Count || a.Parameters.Zip(b.Parameters).All(p => Assignable(p.First, p.Second));
    }

    private static bool SameFields(CelType a, CelType b) => a.Fields!.Count == b.Fields!.Count && a.Fields.All(f => b.Fields.ContainsKey(f.Key));

    private static CelType Substitute(CelType t, Dictionary<string, CelType> bindings)
    {
        if (t.IsParameter)
        {
            return bindings.TryGetValue(t.Name, out var b) ? b : CelType.Dyn;
        }
        return t.Parameters.Count == 0 ? t : new CelType(t.Name, [.. t.Parameters.Select(p => Substitute(p, bindings))]);
    }

    /// <summary>The element type of a literal: the one type all share, else dyn (cel-go's heterogeneous literals).</summary>
    private static CelType Join(List<CelType> types)
    {
        if (types.Count == 0)
        {
            return CelType.Dyn;
        }
        var first = types[0];
        return types.All(t => Assignable(first, t) && t.Name == first.Name) ? first : CelType.Dyn;
    }

    private void Report(int position, string message) => issues.Add(new CelIssue(source, position, message));
}
