using System.Diagnostics;
using System.Threading.Channels;

namespace Timonel.Kubelet.Tests.Infrastructure;

/// <summary>
/// A long-running process (kubectl logs -f, port-forward, attach) whose output lines are read
/// as they come; disposing kills it by its PID.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _stdout;
    private readonly Task<string> _stderr;

    public BackgroundProcess(ProcessStartInfo start)
    {
        _process = Process.Start(start)!;
        _stdout = Task.Run(async () =>
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                await _lines.Writer.WriteAsync(line);
            }

            _lines.Writer.Complete();
        });
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public StreamWriter Stdin => _process.StandardInput;

    /// <summary>The next line of output, or null when the process closed its output; fails after the timeout.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await _lines.Reader.WaitToReadAsync(deadline.Token) && _lines.Reader.TryRead(out var line) ? line : null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no output line within {timeout}; stderr so far is read on exit");
        }
    }

    /// <summary>Waits for the process to exit on its own; false when it is still running after the timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    public Task<string> StderrAsync() => _stderr;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        await _stdout;
        _process.Dispose();
    }
}
