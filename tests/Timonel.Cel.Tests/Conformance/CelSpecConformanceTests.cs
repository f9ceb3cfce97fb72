using Xunit;
using Xunit.Abstractions;

namespace Timonel.Cel.Tests.Conformance;

/// <summary>
/// A developer check, not part of CI (the files are cel-spec's, not ours, and CI has no network):
/// set CEL_SPEC_TESTDATA to a directory holding cel-spec's tests/simple/testdata/*.textproto and this
/// prints the pass rate per file (see docs/cel.md). Without it the test says why and passes.
/// </summary>
public sealed class CelSpecConformanceTests(ITestOutputHelper output)
{
    private static readonly string[] Files =
    [
        "basic", "comparisons", "conversions", "fp_math", "integer_math", "lists", "logic", "macros",
        "parse", "plumbing", "string", "timestamps",
    ];

    [Fact]
    public void Run_CelSpecSimpleTests_ReportsPassRatePerFile()
    {
        var dir = Environment.GetEnvironmentVariable("CEL_SPEC_TESTDATA");
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
        {
            output.WriteLine("skipped: CEL_SPEC_TESTDATA is not set to cel-spec's tests/simple/testdata directory");
            return;
        }
        var verbose = Environment.GetEnvironmentVariable("CEL_SPEC_VERBOSE") == "1";
        foreach (var name in Files)
        {
            var path = Path.Combine(dir, name + ".textproto");
            if (!File.Exists(path))
            {
                output.WriteLine($"{name}: missing");
                continue;
            }
            var outcomes = ConformanceRunner.Run(path);
            var passed = outcomes.Count(o => o.Passed);
            output.WriteLine($"{name}: {passed}/{outcomes.Count} ({100.0 * passed / Math.Max(1, outcomes.Count):F1} %)");
            if (verbose)
            {
                foreach (var o in outcomes.Where(o => !o.Passed))
                {
                    output.WriteLine($"  FAIL {o.Name}: {o.Detail}");
                }
            }
        }
    }
}
