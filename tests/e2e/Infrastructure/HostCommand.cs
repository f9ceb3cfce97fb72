using System.Diagnostics;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>What one host command (ip, nsenter, runc, busybox) printed and returned.</summary>
public sealed record HostCommandResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"$ {CommandLine}\nexit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs machine commands for the network fixtures, each bounded by a timeout and killed by PID after it.</summary>
public static class HostCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<HostCommandResult> RunAsync(IReadOnlyList<string> command, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command[0]}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }

        return new HostCommandResult(string.Join(' ', command), process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command that must succeed; throws with its output otherwise.</summary>
    public static async Task<string> CheckAsync(params string[] command)
    {
        var result = await RunAsync(command);
        return result.Succeeded ? result.Stdout : throw new InvalidOperationException($"command failed\n{result}");
    }
}
