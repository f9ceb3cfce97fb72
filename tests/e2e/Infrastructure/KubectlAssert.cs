using Xunit;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>Assertions that show the whole kubectl run (command, exit code, output) when they fail.</summary>
public static class KubectlAssert
{
    public static KubectlResult Succeeds(KubectlResult result)
    {
        Assert.True(result.Succeeded, $"expected success\n{result}");
        return result;
    }

    public static KubectlResult Fails(KubectlResult result, string expectedInStderr)
    {
        Assert.False(result.Succeeded, $"expected failure\n{result}");
        Assert.True(result.Stderr.Contains(expectedInStderr, StringComparison.Ordinal), $"expected stderr to contain \"{expectedInStderr}\"\n{result}");
        return result;
    }

    public static void StdoutContains(KubectlResult result, string expected) =>
        Assert.True(result.Stdout.Contains(expected, StringComparison.Ordinal), $"expected stdout to contain \"{expected}\"\n{result}");
}
