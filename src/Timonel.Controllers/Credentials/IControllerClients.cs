using k8s;

namespace Timonel.Controllers.Credentials;

/// <summary>
/// Makes the client one controller writes through, acting as its own service account
/// (kube-controller-manager's --use-service-account-credentials). Without one the manager hands
/// every controller its own client, as in-process tests do with an admin client.
/// </summary>
public interface IControllerClients
{
    /// <summary>A client authenticated as kube-system/<paramref name="serviceAccount"/>; the caller disposes it.</summary>
    /// <param name="root">The controller manager's own client, which creates the account and requests its tokens.</param>
    IKubernetes Create(IKubernetes root, string serviceAccount);
}
