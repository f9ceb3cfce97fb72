using Timonel.Api.Images;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Client.Events;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The keyring of a pod's spec.imagePullSecrets (upstream's getPullSecretsForPod): each named
/// Secret is read from the API (the node authorizer lets a node read the Secrets its pods name);
/// a Secret that cannot be read, or is not a docker config, is left out with upstream's
/// FailedToRetrieveImagePullSecret warning on the pod, and the pull goes on without it.
/// ServiceAccount pull secrets reach here through the pod: admission copies them into the spec.
/// </summary>
internal static class PodPullSecrets
{
    public static async Task<DockerConfigKeyring> KeyringAsync(IKubernetes client, EventRecorder events, V1Pod pod, CancellationToken cancellationToken)
    {
        var keyring = new DockerConfigKeyring();
        var failed = new List<string>();
        foreach (var reference in pod.Spec.ImagePullSecrets ?? [])
        {
            if (string.IsNullOrEmpty(reference.Name))
            {
                continue;
            }

            try
            {
                var secret = await client.CoreV1.ReadNamespacedSecretAsync(reference.Name, pod.Namespace(), cancellationToken: cancellationToken).ConfigureAwait(false);
                keyring.AddSecret(secret.Type, secret.Data);
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or FormatException)
            {
                failed.Add(reference.Name);
            }
        }

        if (failed.Count > 0)
        {
            events.Event(pod, EventTypes.Warning, "FailedToRetrieveImagePullSecret",
                $"Unable to retrieve some image pull secrets ({string.Join(", ", failed)}); attempting to pull the image may not succeed.");
        }

        return keyring;
    }
}
