using System.Diagnostics;
using System.Text;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>A kubectl running in the background whose output is collected line by line until it is stopped.</summary>
public sealed class BackgroundKubectl : IAsyncDisposable
{
    private readonly string commandLine;
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly Lock gate = new();

    internal BackgroundKubectl(string commandLine, Process process)
    {
        this.commandLine = commandLine;
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout
    {
        get
        {
            lock (gate)
            {
                return stdout.ToString();
            }
        }
    }

    /// <summary>Waits until stdout holds a line matching <paramref name="predicate"/>; false on timeout.</summary>
    public async Task<bool> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (Stdout.Split('\n').Any(predicate))
            {
                return true;
            }

            if (process.HasExited)
            {
                return Stdout.Split('\n').Any(predicate);
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>Stops kubectl by its PID and returns everything it printed.</summary>
    public async Task<KubectlResult> StopAsync()
    {
        // WaitForExitAsync (inside StopAsync) also waits until the output readers have drained.
        await ChildProcess.StopAsync(process, TimeSpan.FromSeconds(3));
        lock (gate)
        {
            return new KubectlResult(commandLine, process.ExitCode, stdout.ToString(), stderr.ToString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ChildProcess.StopAsync(process, TimeSpan.FromSeconds(3));
        process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            target.Append(line).Append('\n');
        }
    }
}
