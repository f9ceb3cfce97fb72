using Timonel.Cel.Values;
using Xunit;

namespace Timonel.Cel.Tests;

internal static class CelTestHelpers
{
    /// <summary>Evaluates without the checker, as cel-spec's runtime tests do: what is tested is evaluation.</summary>
    public static CelValue Eval(string expr, IReadOnlyDictionary<string, object?>? vars = null, long costLimit = 1_000_000)
    {
        var env = new CelEnvironment().WithoutReferenceCheck();
        foreach (var name in vars?.Keys ?? [])
        {
            env = env.WithVariable(name, CelType.Dyn);
        }
        var compiled = env.Compile(expr);
        Assert.True(compiled.Program is not null, $"{expr}: {compiled.ErrorText}");
        return compiled.Program!.Evaluate(vars is null ? CelActivation.Empty : new CelActivation(vars), costLimit);
    }

    /// <summary>Same type and value (1 and 1u differ here, unlike CEL's ==); NaN equals NaN.</summary>
    public static void AssertSame(CelValue want, CelValue got, string context)
    {
        Assert.True(Same(want, got), $"{context}: want {want} ({want.Type}), got {got} ({got.Type})");
    }

    private static bool Same(CelValue want, CelValue got) => (want, got) switch
    {
        (CelDouble a, CelDouble b) => a.Value.Equals(b.Value),
        (CelList a, CelList b) => a.Count == b.Count && Enumerable.Range(0, a.Count).All(i => Same(a[i], b[i])),
        (CelMap a, CelMap b) => a.Count == b.Count && a.Keys.All(k => a.TryGet(k, out var av) && b.TryGet(k, out var bv) && Same(av, bv)),
        _ => want.GetType() == got.GetType() && CelEquality.Equal(want, got) is CelBool { Value: true },
    };
}
