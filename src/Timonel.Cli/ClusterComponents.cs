using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Hosting;
using Timonel.Controllers;
using Timonel.Simulator;

namespace Timonel.Cli;

/// <summary>
/// The control-plane loops a server runs beside its API: controller manager, node simulator
/// (and, as they come, the scheduler), each an API client of this server elected per Lease.
/// </summary>
internal sealed class ClusterComponents
{
    public bool ControllerManager { get; init; } = true;

    public ControllerManagerOptions ControllerOptions { get; init; } = new();

    /// <summary>Runs the kubelet stand-in for nodes labelled timonel.dev/simulated=true.</summary>
    public bool NodeSimulator { get; init; } = true;

    public IReadOnlyList<IClusterComponent> Build(ILoggerFactory loggers)
    {
        var components = new List<IClusterComponent>();
        if (ControllerManager)
        {
            components.Add(new ControllerManager(ControllerOptions, loggers));
        }

        if (NodeSimulator)
        {
            components.Add(new NodeSimulator(loggers));
        }

        return components;
    }

    /// <summary>Runs the components against the server behind <paramref name="kubeconfigPath"/> until cancelled.</summary>
    public async Task RunAsync(string kubeconfigPath, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
        var identity = $"{Environment.MachineName}_{Guid.NewGuid():N}";
        await new ComponentRunner(client, identity, loggers).RunAsync(Build(loggers), cancellationToken).ConfigureAwait(false);
    }
}
