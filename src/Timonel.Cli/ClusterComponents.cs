using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Hosting;
using Timonel.Controllers;

namespace Timonel.Cli;

/// <summary>
/// The control-plane loops a server runs beside its API: controller manager (and, as they come,
/// the scheduler and the node simulator), each an API client of this server elected per Lease.
/// </summary>
internal sealed class ClusterComponents
{
    public bool ControllerManager { get; init; } = true;

    public ControllerManagerOptions ControllerOptions { get; init; } = new();

    public IReadOnlyList<IClusterComponent> Build(ILoggerFactory loggers)
    {
        var components = new List<IClusterComponent>();
        if (ControllerManager)
        {
            components.Add(new ControllerManager(ControllerOptions with { RootCaPem = RootCaPem ?? ControllerOptions.RootCaPem }, loggers));
        }

        return components;
    }

    /// <summary>The server's CA bundle (PEM), published to every namespace as kube-root-ca.crt; known once the server has its PKI.</summary>
    public string? RootCaPem { get; set; }

    /// <summary>Runs the components against the server behind <paramref name="kubeconfigPath"/> until cancelled.</summary>
    public async Task RunAsync(string kubeconfigPath, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
        var identity = $"{Environment.MachineName}_{Guid.NewGuid():N}";
        await new ComponentRunner(client, identity, loggers).RunAsync(Build(loggers), cancellationToken).ConfigureAwait(false);
    }
}
