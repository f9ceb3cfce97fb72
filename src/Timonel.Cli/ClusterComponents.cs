using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Hosting;
using Timonel.Controllers;
using Timonel.Controllers.Credentials;
using Timonel.Scheduler;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Host;
using Timonel.Simulator;

namespace Timonel.Cli;

/// <summary>
/// The control-plane loops a server runs beside its API: controller manager, scheduler and
/// node simulator, each an API client of this server, under its own identity, elected per Lease.
/// </summary>
internal sealed class ClusterComponents
{
    public bool ControllerManager { get; init; } = true;

    public ControllerManagerOptions ControllerOptions { get; init; } = new();

    /// <summary>Runs the kubelet stand-in for nodes labelled timonel.dev/simulated=true.</summary>
    public bool NodeSimulator { get; init; } = true;

    public bool Scheduler { get; init; } = true;

    public SchedulerConfiguration SchedulerConfig { get; init; } = SchedulerConfiguration.Default;

    /// <summary>The built-in cluster autoscaler's node groups and options; null (the default) does not run it.</summary>
    public (Autoscaler.NodeGroups.NodeGroupsConfig Groups, Autoscaler.ClusterAutoscalerOptions Options)? ClusterAutoscaler { get; init; }

    /// <summary>The components to run; <paramref name="controllerClients"/> makes each controller's own client (null: every controller acts as the manager).</summary>
    public IReadOnlyList<IClusterComponent> Build(ILoggerFactory loggers, IControllerClients? controllerClients = null)
    {
        var components = new List<IClusterComponent>();
        if (ControllerManager)
        {
            components.Add(new ControllerManager(ControllerOptions with { RootCaPem = RootCaPem ?? ControllerOptions.RootCaPem }, loggers, tokenSigner: TokenSigner, health: ControllerHealth, signingAuthorities: SigningAuthorities, controllerClients: controllerClients));
        }

        if (NodeSimulator)
        {
            components.Add(new NodeSimulator(loggers));
        }

        if (Scheduler)
        {
            components.Add(new SchedulerHost(SchedulerConfig, new SchedulerOptions { Parallelism = Environment.ProcessorCount }, loggers));
        }

        if (ClusterAutoscaler is { } autoscaler)
        {
            // Its what-ifs run the scheduler's own profile, so they agree with where pods will go.
            components.Add(new Autoscaler.ClusterAutoscalerComponent(autoscaler.Groups, autoscaler.Options, loggers, SchedulerConfig));
        }

        return components;
    }

    /// <summary>Signs the legacy tokens serviceaccount-token writes; set once the server has its service-account key.</summary>
    public Controllers.ServiceAccount.IServiceAccountTokenSigner? TokenSigner { get; set; }

    /// <summary>The cluster CAs csrsigning signs from; set once the server has its PKI (the two run in one process).</summary>
    public Controllers.Certificates.CsrSigningAuthorities? SigningAuthorities { get; set; }

    /// <summary>The controller manager's per-controller health checks (served by <see cref="ControllerManagerHealthServer"/>).</summary>
    public Controllers.Health.ControllerHealth ControllerHealth { get; } = new();

    /// <summary>The server's CA bundle (PEM), published to every namespace as kube-root-ca.crt; known once the server has its PKI.</summary>
    public string? RootCaPem { get; set; }

    /// <summary>Runs the components against the server, each as its identity in <paramref name="credentials"/>, until cancelled.</summary>
    public async Task RunAsync(ComponentCredentials credentials, int port, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var controllerClients = credentials.ServiceAccountPerController ? new ServiceAccountClients(credentials.ControllerManager, loggers) : null;
        using var controllerManager = new Kubernetes(credentials.ControllerManager);
        using var scheduler = new Kubernetes(credentials.Scheduler);
        using var simulator = new Kubernetes(credentials.NodeSimulator);
        // The autoscaler acts as kube-system/cluster-autoscaler (role timonel:cluster-autoscaler), as upstream's runs as its own account.
        using var autoscaler = controllerClients?.Create(controllerManager, Autoscaler.ClusterAutoscalerComponent.ServiceAccount) ?? new Kubernetes(credentials.ControllerManager);
        // Lease holders read "<host>_<port>_<random>", so an operator can tell which server leads.
        var identity = $"{Environment.MachineName}_{port}_{Guid.NewGuid().ToString("N")[..8]}";
        await Task.WhenAll(Build(loggers, controllerClients).Select(component =>
        {
            IKubernetes client = component switch
            {
                Controllers.ControllerManager => controllerManager,
                SchedulerHost => scheduler,
                Autoscaler.ClusterAutoscalerComponent => autoscaler,
                _ => simulator,
            };
            return new ComponentRunner(client, identity, loggers).RunAsync([component], cancellationToken);
        })).ConfigureAwait(false);
    }
}
