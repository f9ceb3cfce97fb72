using Grpc.Core;
using k8s.Models;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Makes a container's image present per its imagePullPolicy through the CRI ImageService and
/// gives upstream's waiting reasons when it cannot: ErrImageNeverPull, ErrImagePull, then
/// ImagePullBackOff while the pull backs off.
/// </summary>
public sealed class ImagePuller
{
    private readonly IContainerRuntime _runtime;
    private readonly CrashLoopBackoff _backoff = new();

    public ImagePuller(IContainerRuntime runtime)
    {
        _runtime = runtime;
    }

    /// <summary>Null when the image is ready; otherwise the waiting reason and message.</summary>
    public async Task<(string Reason, string Message)?> EnsureAsync(V1Container container, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var image = ImageReference.Normalize(container.Image);
        var policy = container.ImagePullPolicy ?? (ImageReference.IsLatest(container.Image) ? "Always" : "IfNotPresent");
        var present = await _runtime.ImageStatusAsync(image, cancellationToken).ConfigureAwait(false) is not null;
        if (policy == "Never")
        {
            return present ? null : ("ErrImageNeverPull", $"Container image \"{container.Image}\" is not present with pull policy of Never");
        }

        if (present && policy == "IfNotPresent")
        {
            return null;
        }

        if (_backoff.IsInBackoff(image, now, out _))
        {
            return present ? null : ("ImagePullBackOff", $"Back-off pulling image \"{container.Image}\"");
        }

        try
        {
            await _runtime.PullImageAsync(image, cancellationToken).ConfigureAwait(false);
            _backoff.Reset(image);
            return null;
        }
        catch (RpcException e)
        {
            _backoff.Next(image, now);
            // Policy Always with no registry reachable: an imported image still runs (air-gapped nodes).
            return present ? null : ("ErrImagePull", $"failed to pull image \"{container.Image}\": {e.Status.Detail}");
        }
    }
}
