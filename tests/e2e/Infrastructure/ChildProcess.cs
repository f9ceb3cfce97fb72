using System.Diagnostics;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>Stops a child process by its PID: SIGTERM first, SIGKILL once the grace period is over.</summary>
internal static class ChildProcess
{
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return;
        }

        PosixSignals.Send(process.Id, PosixSignals.SigTerm);
        using var graceTimer = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(graceTimer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
