namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>One server shared by the tests of a class, with kubectl clients pointed at it.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private TimonelServer? server;

    public TimonelServer Server => server ?? throw new InvalidOperationException("The fixture is not initialized");

    /// <summary>kubectl 1.33 with a fresh HOME and discovery cache.</summary>
    public Kubectl Kubectl { get; private set; } = null!;

    /// <summary>kubectl 1.27 with its own HOME and discovery cache.</summary>
    public Kubectl OldestKubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        server = await TimonelServer.StartAsync(CancellationToken.None);
        Kubectl = new Kubectl(KubectlBinary.Latest, server.KubeconfigPath, Path.Combine(server.RootDir, "home-latest"));
        OldestKubectl = new Kubectl(KubectlBinary.Oldest, server.KubeconfigPath, Path.Combine(server.RootDir, "home-oldest"));
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
