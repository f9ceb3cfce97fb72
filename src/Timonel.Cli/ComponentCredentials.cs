using System.Text;
using k8s;
using Timonel.ApiServer.Security;

namespace Timonel.Cli;

/// <summary>
/// Who each of the server's control-plane loops is to the API: the controller manager, scheduler
/// and node simulator each with a client certificate of its own, issued in memory at start (see
/// <see cref="ClusterPki.ComponentKubeconfig"/>), and the controllers with their own service
/// accounts; or, for tests and tools, all of them as the admin kubeconfig.
/// </summary>
internal sealed record ComponentCredentials(
    KubernetesClientConfiguration ControllerManager,
    KubernetesClientConfiguration Scheduler,
    KubernetesClientConfiguration NodeSimulator,
    bool ServiceAccountPerController)
{
    /// <summary>Every component as the admin of <paramref name="kubeconfigPath"/> (system:masters), each controller too.</summary>
    public static ComponentCredentials Admin(string kubeconfigPath)
    {
        var admin = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        return new ComponentCredentials(admin, admin, admin, ServiceAccountPerController: false);
    }

    /// <summary>Upstream's identities, issued from <paramref name="pki"/>'s client CA for the server at <paramref name="serverUrl"/>.</summary>
    public static ComponentCredentials Issue(ClusterPki pki, string serverUrl, DateTimeOffset now) => new(
        Load(pki.ComponentKubeconfig(serverUrl, ComponentUsers.ControllerManager, now)),
        Load(pki.ComponentKubeconfig(serverUrl, ComponentUsers.Scheduler, now)),
        Load(pki.ComponentKubeconfig(serverUrl, ComponentUsers.NodeSimulator, now)),
        ServiceAccountPerController: true);

    private static KubernetesClientConfiguration Load(string kubeconfig)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig));
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
    }
}
