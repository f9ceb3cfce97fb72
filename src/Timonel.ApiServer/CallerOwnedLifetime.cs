using Microsoft.Extensions.Hosting;

namespace Timonel.ApiServer;

/// <summary>
/// A host lifetime that listens to no signal. The generic host's console lifetime stops Kestrel
/// the moment SIGTERM arrives, before the components running beside the API server could release
/// their Leases through it; the command that owns the process orders the stop instead.
/// </summary>
internal sealed class CallerOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
