using System.Diagnostics;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// A server with simulated nodes created by `./timonel sim nodes`, shared by the tests of a
/// class: tests place pods and watch where the scheduler puts them.
/// </summary>
public abstract class SimulatedCluster : IAsyncLifetime
{
    private TimonelServer? server;

    public TimonelServer Server => server ?? throw new InvalidOperationException("The fixture is not initialized");

    public Kubectl Kubectl { get; private set; } = null!;

    /// <summary>Extra `timonel server` flags.</summary>
    protected virtual IReadOnlyList<string> ServerArgs => [];

    public async Task InitializeAsync()
    {
        server = await TimonelServer.StartAsync(ServerArgs, CancellationToken.None);
        Kubectl = new Kubectl(KubectlBinary.Latest, server.KubeconfigPath, Path.Combine(server.RootDir, "home"));
        await CreateNodesAsync();
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Creates this class's nodes with <see cref="SimNodesAsync"/>.</summary>
    protected abstract Task CreateNodesAsync();

    /// <summary>Runs `./timonel sim nodes` with <paramref name="args"/> against this server.</summary>
    public async Task SimNodesAsync(params string[] args)
    {
        var start = new ProcessStartInfo(RepoRoot.Launcher) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "sim", "nodes", "--kubeconfig", Server.KubeconfigPath }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start timonel sim nodes");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"timonel sim nodes {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
    }
}
