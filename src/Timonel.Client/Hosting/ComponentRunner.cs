using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.LeaderElection;

namespace Timonel.Client.Hosting;

/// <summary>
/// Runs cluster components for the life of a server: each under its own leader election (so that
/// one instance is active across servers), restarted after a failure or a lost election with a
/// capped backoff, until shutdown.
/// </summary>
public sealed partial class ComponentRunner(IKubernetes client, string identity, ILoggerFactory loggerFactory, TimeProvider? time = null)
{
    private readonly ILogger _log = loggerFactory.CreateLogger("components");

    /// <summary>Lease timings; tests shorten them.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    public Task RunAsync(IEnumerable<IClusterComponent> components, CancellationToken cancellationToken) =>
        Task.WhenAll(components.Select(c => Task.Run(() => SuperviseAsync(c, cancellationToken), CancellationToken.None)));

    private async Task SuperviseAsync(IClusterComponent component, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (component.LeaseName is null)
                {
                    await component.RunAsync(client, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var elector = new LeaderElector(client, new LeaderElectionConfig
                    {
                        LeaseNamespace = "kube-system",
                        LeaseName = component.LeaseName,
                        Identity = identity,
                        LeaseDuration = LeaseDuration,
                        RenewDeadline = RenewDeadline,
                        RetryPeriod = RetryPeriod,
                        Time = time ?? TimeProvider.System,
                    }, loggerFactory.CreateLogger<LeaderElector>());
                    await elector.RunAsync(ct => component.RunAsync(client, ct), cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                delay = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.ComponentFailed(_log, component.Name, e);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }

            try
            {
                await Task.Delay(delay, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "component {Component} stopped with an error; restarting")]
        public static partial void ComponentFailed(ILogger logger, string component, Exception error);
    }
}
