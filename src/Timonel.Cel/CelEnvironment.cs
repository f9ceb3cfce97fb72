using Timonel.Cel.Checking;
using Timonel.Cel.Library;
using Timonel.Cel.Parsing;
using Timonel.Cel.Values;

namespace Timonel.Cel;

/// <summary>
/// What expressions may refer to: declared variables and extra functions on top of the standard library
/// and Kubernetes' libraries. Immutable: the With* methods return a new environment, so one environment
/// can serve many threads compiling at once.
/// </summary>
public sealed class CelEnvironment
{
    private readonly Dictionary<string, CelType> _variables;
    private readonly Dictionary<string, CelFunction> _functions;
    private readonly Lazy<FunctionRegistry> _registry;

    public CelEnvironment()
        : this(new Dictionary<string, CelType>(StringComparer.Ordinal), new Dictionary<string, CelFunction>(StringComparer.Ordinal), checkReferences: true)
    {
    }

    private CelEnvironment(Dictionary<string, CelType> variables, Dictionary<string, CelFunction> functions, bool checkReferences)
    {
        _variables = variables;
        _functions = functions;
        CheckReferences = checkReferences;
        _registry = new Lazy<FunctionRegistry>(() => FunctionRegistry.Build(_functions));
    }

    /// <summary>Whether Compile type-checks (cel-go's checker): undeclared names, undefined fields, calls no overload accepts.</summary>
    public bool CheckReferences { get; }

    public IReadOnlyDictionary<string, CelType> Variables => _variables;

    public CelEnvironment WithVariable(string name, CelType type) =>
        new(new Dictionary<string, CelType>(_variables, StringComparer.Ordinal) { [name] = type }, _functions, CheckReferences);

    /// <summary>Adds (or replaces) a function; receiver calls pass the receiver first.</summary>
    public CelEnvironment WithFunction(string name, Func<IReadOnlyList<CelValue>, CelValue> implementation) =>
        new(_variables, new Dictionary<string, CelFunction>(_functions, StringComparer.Ordinal) { [name] = (_, a) => implementation(a) }, CheckReferences);

    /// <summary>Skips the checker: unknown references and type mismatches become error values at evaluation, as cel-go unchecked.</summary>
    public CelEnvironment WithoutReferenceCheck() => new(_variables, _functions, checkReferences: false);

    public CelCompileResult Compile(string expression)
    {
        var size = Operators.CodePointCount(expression);
        if (size > CelLimits.MaxExpressionSize)
        {
            return CelCompileResult.Failed(new CelIssue(expression, -1,
                $"expression code point size exceeds limit: size: {size}, limit {CelLimits.MaxExpressionSize}"));
        }
        Expr ast;
        try
        {
            ast = Parser.Parse(expression, CelLimits.MaxRecursionDepth);
        }
        catch (CelSyntaxException e)
        {
            return CelCompileResult.Failed(new CelIssue(expression, e.Position, e.Message));
        }
        var outputType = CelType.Dyn;
        if (CheckReferences)
        {
            var issues = new List<CelIssue>();
            outputType = new TypeChecker(expression, _variables, _registry.Value, issues).Check(ast);
            if (issues.Count > 0)
            {
                return CelCompileResult.Failed([.. issues]);
            }
        }
        return CelCompileResult.Succeeded(new CelProgram(ast, _registry.Value, _variables), outputType);
    }
}

/// <summary>The program, or the errors that kept the expression from compiling.</summary>
public sealed class CelCompileResult
{
    private CelCompileResult(CelProgram? program, IReadOnlyList<CelIssue> issues, CelType? outputType = null)
    {
        Program = program;
        Issues = issues;
        OutputType = outputType ?? CelType.Dyn;
    }

    /// <summary>The checked result type (dyn when unchecked or failed); rules must be bool, messageExpressions string.</summary>
    public CelType OutputType { get; }

    public CelProgram? Program { get; }

    public IReadOnlyList<CelIssue> Issues { get; }

    /// <summary>All issues as cel-go prints them, one per line (with the source line and a caret).</summary>
    public string ErrorText => string.Join("\n", Issues);

    internal static CelCompileResult Succeeded(CelProgram program, CelType outputType) => new(program, [], outputType);

    internal static CelCompileResult Failed(params CelIssue[] issues) => new(null, issues);
}
