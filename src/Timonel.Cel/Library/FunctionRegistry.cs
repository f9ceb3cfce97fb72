using System.Collections.Frozen;
using Timonel.Cel.Interpreter;
using Timonel.Cel.Values;

namespace Timonel.Cel.Library;

/// <summary>
/// An overload set: the implementation looks at the argument values and answers "no such overload" when
/// none fits. A receiver call passes the receiver as the first argument (`s.size()` is `size(s)`).
/// </summary>
internal delegate CelValue CelFunction(CallContext context, CelValue[] args);

/// <summary>What a function may ask of the running evaluation: to be charged for work proportional to its input.</summary>
internal readonly struct CallContext(Evaluator evaluator, RegexCache regexes)
{
    public RegexCache Regexes => regexes;

    public void Charge(long units) => evaluator.Charge(units);

    /// <summary>cel-go's traversal cost for a string, bytes or list: one unit per ten elements.</summary>
    public void ChargeSize(long size) => evaluator.Charge((long)Math.Ceiling(size * 0.1));
}

/// <summary>Functions by name; built once per environment and never changed afterwards.</summary>
internal sealed class FunctionRegistry(FrozenDictionary<string, CelFunction> functions)
{
    public bool TryGet(string name, out CelFunction function) => functions.TryGetValue(name, out function!);

    public bool Contains(string name) => functions.ContainsKey(name);

    public static FunctionRegistry Build(IEnumerable<KeyValuePair<string, CelFunction>> extra)
    {
        var all = new Dictionary<string, CelFunction>(StringComparer.Ordinal);
        Operators.Register(all);
        Conversions.Register(all);
        Strings.Register(all);
        TimeFunctions.Register(all);
        KubernetesLists.Register(all);
        foreach (var (name, fn) in extra)
        {
            all[name] = fn;
        }
        return new FunctionRegistry(all.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
