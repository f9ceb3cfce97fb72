using System.Diagnostics;

namespace Timonel.Cli.Bench;

/// <summary>
/// A `timonel bench ...` helper process (load client or backend) of a benchmark: its own process
/// so its CPU is measured apart. It stops when its stdin closes (also when this process dies);
/// <see cref="DisposeAsync"/> closes stdin and kills it by its PID after 5 s.
/// </summary>
internal sealed class BenchChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private BenchChild(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    public static BenchChild Start(params string[] benchArgs)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "timonel.dll"));
        start.ArgumentList.Add("bench");
        foreach (var arg in benchArgs)
        {
            start.ArgumentList.Add(arg);
        }

        return new BenchChild(Process.Start(start) ?? throw new InvalidOperationException($"could not start timonel bench {string.Join(' ', benchArgs)}"));
    }

    /// <summary>The child's next line of output.</summary>
    /// <exception cref="InvalidOperationException">The child ended first (its stderr is in the message).</exception>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is null)
        {
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"bench helper {_process.Id} exited {_process.ExitCode}: {(await _stderr.ConfigureAwait(false)).Trim()}");
        }

        return line;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>In the child: cancelled when the parent closes stdin (or dies).</summary>
    public static CancellationTokenSource StopOnStdinClosed(CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = Task.Run(async () =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[64];
                while (await stdin.ReadAsync(buffer, stop.Token).ConfigureAwait(false) > 0)
                {
                }

                await stop.CancelAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                // Stopped already.
            }
        }, CancellationToken.None);
        return stop;
    }
}
