using Timonel.Cel.Values;

namespace Timonel.Cel.Parsing;

/// <summary>A node of a parsed expression. Position is the offset (in UTF-16 units) of the token that made it.</summary>
internal abstract class Expr(int position)
{
    public int Position { get; } = position;
}

internal sealed class ConstExpr(int position, CelValue value) : Expr(position)
{
    public CelValue Value { get; } = value;
}

internal sealed class IdentExpr(int position, string name) : Expr(position)
{
    public string Name { get; } = name;
}

/// <summary>`operand.field`, or `has(operand.field)` when TestOnly.</summary>
internal sealed class SelectExpr(int position, Expr operand, string field, bool testOnly) : Expr(position)
{
    public Expr Operand { get; } = operand;
    public string Field { get; } = field;
    public bool TestOnly { get; } = testOnly;
}

/// <summary>A global call `f(args)` or a receiver call `target.f(args)`; operators are calls named as cel-go names them (`_+_`).</summary>
internal sealed class CallExpr(int position, Expr? target, string function, Expr[] args) : Expr(position)
{
    public Expr? Target { get; } = target;
    public string Function { get; } = function;
    public Expr[] Args { get; } = args;
}

internal sealed class ListExpr(int position, Expr[] elements) : Expr(position)
{
    public Expr[] Elements { get; } = elements;
}

internal sealed class MapExpr(int position, (Expr Key, Expr Value)[] entries) : Expr(position)
{
    public (Expr Key, Expr Value)[] Entries { get; } = entries;
}

/// <summary>
/// The loop every macro expands to (as in the CEL spec): for each element of IterRange bind IterVar (and
/// IterVar2 for two-variable forms), while LoopCondition holds set AccuVar to LoopStep; then Result.
/// </summary>
internal sealed class ComprehensionExpr(
    int position, string iterVar, string? iterVar2, Expr iterRange, string accuVar, Expr accuInit,
    Expr loopCondition, Expr loopStep, Expr result) : Expr(position)
{
    public string IterVar { get; } = iterVar;
    public string? IterVar2 { get; } = iterVar2;
    public Expr IterRange { get; } = iterRange;
    public string AccuVar { get; } = accuVar;
    public Expr AccuInit { get; } = accuInit;
    public Expr LoopCondition { get; } = loopCondition;
    public Expr LoopStep { get; } = loopStep;
    public Expr Result { get; } = result;
}
