using k8s;

namespace Timonel.Client.Hosting;

/// <summary>
/// A control-plane loop that runs inside the server as an API client: the controller manager,
/// the scheduler, the node simulator. When several servers run, only the holder of
/// <see cref="LeaseName"/> runs it.
/// </summary>
public interface IClusterComponent
{
    /// <summary>Name used in logs, e.g. "controller-manager".</summary>
    string Name { get; }

    /// <summary>The Lease in kube-system that elects the one active instance ("kube-scheduler"); null runs it everywhere.</summary>
    string? LeaseName { get; }

    /// <summary>Runs until cancelled (shutdown or lost leadership); must be restartable after returning.</summary>
    Task RunAsync(IKubernetes client, CancellationToken cancellationToken);
}
