using Grpc.Core;
using k8s.Models;
using Timonel.Client.Events;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Makes a container's image present per its imagePullPolicy (upstream's EnsureImageExists), with
/// upstream's events and waiting reasons. Never: the image must be present (ErrImageNeverPull).
/// IfNotPresent: pulled when absent. Always: pulled every time, and a failed pull fails the
/// container (ErrImagePull, then ImagePullBackOff while the pull backs off) even when a copy is
/// present — except for a pinned image (<see cref="PinnedImages"/>: imported from
/// DATA_DIR/agent/images, the pause image, or pinned by the runtime), which is used as it is.
/// The node's --image-pull-policy-override replaces every container's policy.
/// </summary>
internal sealed class ImagePuller
{
    public const string Always = "Always";
    public const string IfNotPresent = "IfNotPresent";
    public const string Never = "Never";

    private readonly PodRuntime _rt;
    private readonly CrashLoopBackoff _backoff = new();

    public ImagePuller(PodRuntime runtime)
    {
        _rt = runtime;
    }

    /// <summary>The policy a container's image follows: the node's override, else the container's, else upstream's default (Always for :latest or no tag).</summary>
    public static string EffectivePolicy(V1Container container, string? nodeOverride) =>
        !string.IsNullOrEmpty(nodeOverride) ? nodeOverride
        : !string.IsNullOrEmpty(container.ImagePullPolicy) ? container.ImagePullPolicy
        : ImageReference.IsLatest(container.Image) ? Always : IfNotPresent;

    /// <summary>Null when the image is ready; otherwise the waiting reason and message.</summary>
    public async Task<(string Reason, string Message)?> EnsureAsync(V1Pod pod, V1Container container, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var image = ImageReference.Normalize(container.Image);
        var policy = EffectivePolicy(container, _rt.Options.ImagePullPolicyOverride);
        var status = await _rt.Cri.ImageStatusAsync(image, cancellationToken).ConfigureAwait(false);
        var present = status is not null;
        var pinned = status is not null && (status.Pinned || await _rt.PinnedImages.ContainsAsync(image, cancellationToken).ConfigureAwait(false));
        if (policy == Never || (present && (policy == IfNotPresent || pinned)))
        {
            if (present)
            {
                Record(pod, container, EventTypes.Normal, "Pulled", $"Container image \"{container.Image}\" already present on machine");
                return null;
            }

            var message = $"Container image \"{container.Image}\" is not present with pull policy of Never";
            Record(pod, container, EventTypes.Warning, "ErrImageNeverPull", message);
            return ("ErrImageNeverPull", message);
        }

        if (_backoff.IsInBackoff(image, now, out _))
        {
            var message = $"Back-off pulling image \"{container.Image}\"";
            Record(pod, container, EventTypes.Normal, "BackOff", message);
            return ("ImagePullBackOff", message);
        }

        Record(pod, container, EventTypes.Normal, "Pulling", $"Pulling image \"{container.Image}\"");
        var started = _rt.Time.GetTimestamp();
        try
        {
            await _rt.Cri.PullImageAsync(image, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            _backoff.Next(image, now);
            var error = ContainerEvents.GrpcError(e);
            Record(pod, container, EventTypes.Warning, "Failed", $"Failed to pull image \"{container.Image}\": {error}");
            return ("ErrImagePull", error);
        }

        _backoff.Reset(image);
        var took = GoDuration.Milliseconds(_rt.Time.GetElapsedTime(started));
        var size = (await _rt.Cri.ImageStatusAsync(image, cancellationToken).ConfigureAwait(false))?.Size ?? 0;

        // Pulls are not queued here: the time including waiting is the pull's own.
        Record(pod, container, EventTypes.Normal, "Pulled", $"Successfully pulled image \"{container.Image}\" in {took} ({took} including waiting). Image size: {size} bytes.");
        return null;
    }

    private void Record(V1Pod pod, V1Container container, string type, string reason, string message) =>
        _rt.Events.Container(pod, container, type, reason, message);
}
