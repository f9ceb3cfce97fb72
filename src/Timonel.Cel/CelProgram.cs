using Timonel.Cel.Interpreter;
using Timonel.Cel.Library;
using Timonel.Cel.Parsing;
using Timonel.Cel.Values;

namespace Timonel.Cel;

/// <summary>A compiled expression. Thread-safe: each evaluation has its own state.</summary>
public sealed class CelProgram
{
    private readonly Expr _ast;
    private readonly FunctionRegistry _functions;
    private readonly RegexCache _regexes = new();
    private readonly IReadOnlyDictionary<string, CelType> _variables;

    internal CelProgram(Expr ast, FunctionRegistry functions, IReadOnlyDictionary<string, CelType> variables)
    {
        _ast = ast;
        _functions = functions;
        _variables = variables;
    }

    /// <summary>Evaluates; never throws for bad data: errors are <see cref="CelError"/> values, as is running past the cost limit.</summary>
    public CelValue Evaluate(ICelActivation activation, long costLimit = long.MaxValue) => Evaluate(activation, costLimit, out _);

    /// <param name="activation">The variables.</param>
    /// <param name="costLimit">cel-go's runtime cost budget; past it the result is "operation cancelled: actual cost limit exceeded".</param>
    /// <param name="cost">The cost spent.</param>
    public CelValue Evaluate(ICelActivation activation, long costLimit, out long cost)
    {
        if (activation is CelActivation plain)
        {
            activation = plain.WithTypes(_variables);
        }
        var evaluator = new Evaluator(activation, _functions, _regexes, costLimit);
        var result = evaluator.Evaluate(_ast);
        cost = evaluator.Cost;
        return result;
    }
}
