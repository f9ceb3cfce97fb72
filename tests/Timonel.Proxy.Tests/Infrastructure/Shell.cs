using System.Diagnostics;

namespace Timonel.Proxy.Tests.Infrastructure;

/// <summary>Runs machine commands for the network tests; every process started is waited for or killed by PID.</summary>
internal static class Shell
{
    public static string Run(params string[] command)
    {
        var (code, output, errors) = TryRunAsync(TimeSpan.FromSeconds(30), command).GetAwaiter().GetResult();
        return code == 0 ? output : throw new InvalidOperationException($"{string.Join(' ', command)} failed ({code}): {errors}");
    }

    /// <summary>Runs a command with a deadline; a command still running then is killed and reported as exit code -1.</summary>
    public static async Task<(int Code, string Output, string Errors)> TryRunAsync(TimeSpan timeout, params string[] command)
    {
        using var process = Process.Start(StartInfo(command)) ?? throw new InvalidOperationException($"could not start {command[0]}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await output, await errors);
        }

        return (process.ExitCode, await output, await errors);
    }

    /// <summary>Starts a long-running process; the caller stops it by PID (<see cref="Stop"/>).</summary>
    public static Process Start(params string[] command) => Process.Start(StartInfo(command)) ?? throw new InvalidOperationException($"could not start {command[0]}");

    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }

    private static ProcessStartInfo StartInfo(string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
