using System.Diagnostics;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// Runs <c>./timonel version</c> once for the whole suite, so the launcher's build (first run, or
/// sources changed) happens before any server is timed for readiness.
/// </summary>
public sealed class LauncherBuild : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo(RepoRoot.Launcher)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("version");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the timonel launcher");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(BuildTimeout);
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"./timonel version failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
