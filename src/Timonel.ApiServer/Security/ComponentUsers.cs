namespace Timonel.ApiServer.Security;

/// <summary>
/// The user names the server's own control-plane loops authenticate as (client certificate
/// common names): upstream's for the scheduler and controller manager, whose bootstrap roles and
/// bindings name them, and Timonel's own for the node simulator, which upstream has no equivalent of.
/// </summary>
public static class ComponentUsers
{
    public const string Scheduler = "system:kube-scheduler";

    public const string ControllerManager = "system:kube-controller-manager";

    /// <summary>The kubelet stand-in of simulated nodes; its ClusterRole timonel:node-simulator is Timonel's.</summary>
    public const string NodeSimulator = "timonel:node-simulator";

    /// <summary>The ingress controller of the server's local agent; its ClusterRole timonel:ingress-controller is Timonel's (it reads every TLS Secret, which node identities may not).</summary>
    public const string IngressController = "timonel:ingress-controller";
}
