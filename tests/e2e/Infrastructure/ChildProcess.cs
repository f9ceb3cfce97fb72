using System.Diagnostics;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>Stops a child process by its PID: SIGTERM first, SIGKILL once the grace period is over.</summary>
internal static class ChildProcess
{
    /// <returns>True when the process exited by itself (before the stop, or within the grace period after SIGTERM); false when it had to be killed.</returns>
    public static async Task<bool> StopAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return true;
        }

        PosixSignals.Send(process.Id, PosixSignals.SigTerm);
        using var graceTimer = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(graceTimer.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            return false;
        }
    }
}
