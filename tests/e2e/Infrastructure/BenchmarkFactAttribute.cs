namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// A registry test that only measures (figures for docs/benchmarks.md, printed, never asserted):
/// skipped unless TIMONEL_BENCH=1, so the default test run spends no minutes on it.
/// </summary>
public sealed class RegistryBenchmarkFactAttribute : FactAttribute
{
    public const string Variable = "TIMONEL_BENCH";

    public RegistryBenchmarkFactAttribute()
    {
        if ((MultiNodeCluster.SkipReason ?? LocalRegistry.SkipReason) is { } reason)
        {
            Skip = reason;
        }
        else if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"a benchmark: set {Variable}=1 to run it";
        }
    }
}
