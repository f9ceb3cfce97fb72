using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Hosting;
using Timonel.Controllers;
using Timonel.Scheduler;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Host;
using Timonel.Simulator;

namespace Timonel.Cli;

/// <summary>
/// The control-plane loops a server runs beside its API: controller manager, scheduler and
/// node simulator, each an API client of this server elected per Lease.
/// </summary>
internal sealed class ClusterComponents
{
    public bool ControllerManager { get; init; } = true;

    public ControllerManagerOptions ControllerOptions { get; init; } = new();

    /// <summary>Runs the kubelet stand-in for nodes labelled timonel.dev/simulated=true.</summary>
    public bool NodeSimulator { get; init; } = true;

    public bool Scheduler { get; init; } = true;

    public SchedulerConfiguration SchedulerConfig { get; init; } = SchedulerConfiguration.Default;

    public IReadOnlyList<IClusterComponent> Build(ILoggerFactory loggers)
    {
        var components = new List<IClusterComponent>();
        if (ControllerManager)
        {
            components.Add(new ControllerManager(ControllerOptions with { RootCaPem = RootCaPem ?? ControllerOptions.RootCaPem }, loggers, tokenSigner: TokenSigner, health: ControllerHealth));
        }

        if (NodeSimulator)
        {
            components.Add(new NodeSimulator(loggers));
        }

        if (Scheduler)
        {
            components.Add(new SchedulerHost(SchedulerConfig, new SchedulerOptions { Parallelism = Environment.ProcessorCount }, loggers));
        }

        return components;
    }

    /// <summary>Signs the legacy tokens serviceaccount-token writes; set once the server has its service-account key.</summary>
    public Controllers.ServiceAccount.IServiceAccountTokenSigner? TokenSigner { get; set; }

    /// <summary>The controller manager's per-controller health checks (served by <see cref="ControllerManagerHealthServer"/>).</summary>
    public Controllers.Health.ControllerHealth ControllerHealth { get; } = new();

    /// <summary>The server's CA bundle (PEM), published to every namespace as kube-root-ca.crt; known once the server has its PKI.</summary>
    public string? RootCaPem { get; set; }

    /// <summary>Runs the components against the server behind <paramref name="kubeconfigPath"/> until cancelled.</summary>
    public async Task RunAsync(string kubeconfigPath, int port, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
        // Lease holders read "<host>_<port>_<random>", so an operator can tell which server leads.
        var identity = $"{Environment.MachineName}_{port}_{Guid.NewGuid().ToString("N")[..8]}";
        await new ComponentRunner(client, identity, loggers).RunAsync(Build(loggers), cancellationToken).ConfigureAwait(false);
    }
}
