namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>What one kubectl run printed and returned.</summary>
public sealed record KubectlResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Everything a failed assertion should show.</summary>
    public override string ToString() =>
        $"$ {CommandLine}\nexit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
