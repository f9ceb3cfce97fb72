namespace Timonel.Cel;

/// <summary>Parse limits, as cel-go's parser options that Kubernetes sets (documented in docs/limits.md).</summary>
public static class CelLimits
{
    /// <summary>Longest expression, in code points (cel-go's default expressionSizeCodePointLimit).</summary>
    public const int MaxExpressionSize = 100_000;

    /// <summary>Deepest nesting of sub-expressions (cel-go's maxRecursionDepth, which Kubernetes keeps at 250).</summary>
    public const int MaxRecursionDepth = 250;
}
