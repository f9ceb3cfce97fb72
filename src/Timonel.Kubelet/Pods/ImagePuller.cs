using Timonel.Api.Images;
using Grpc.Core;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Makes a container's image present per its imagePullPolicy (upstream's EnsureImageExists), with
/// upstream's events and waiting reasons. Never: the image must be present (ErrImageNeverPull).
/// IfNotPresent: pulled when absent. Always: pulled every time, and a failed pull fails the
/// container (ErrImagePull, then ImagePullBackOff while the pull backs off) even when a copy is
/// present — except for a pinned image (<see cref="PinnedImages"/>: imported from
/// DATA_DIR/agent/images, the pause image, or pinned by the runtime), which is used as it is.
/// The node's --image-pull-policy-override replaces every container's policy. Pulls send the
/// credentials of the pod's imagePullSecrets that match the image (each in turn until one
/// pulls, as upstream), take their turn in the node's <see cref="ImagePullQueue"/>, and are
/// reported in the log while they run.
/// </summary>
internal sealed partial class ImagePuller
{
    public const string Always = "Always";
    public const string IfNotPresent = "IfNotPresent";
    public const string Never = "Never";

    private readonly PodRuntime _rt;
    private readonly ILogger _log;
    private readonly CrashLoopBackoff _backoff = new();

    // The last pull error per image, carried into the ImagePullBackOff message as upstream's
    // kubelet (1.30+) does, so `kubectl describe` says why it is backing off.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _lastPullError = new(StringComparer.Ordinal);

    public ImagePuller(PodRuntime runtime, ILogger log)
    {
        _rt = runtime;
        _log = log;
    }

    /// <summary>The policy a container's image follows: the node's override, else the container's, else upstream's default (Always for :latest or no tag).</summary>
    public static string EffectivePolicy(V1Container container, string? nodeOverride) =>
        !string.IsNullOrEmpty(nodeOverride) ? nodeOverride
        : !string.IsNullOrEmpty(container.ImagePullPolicy) ? container.ImagePullPolicy
        : ImageReference.IsLatest(container.Image) ? Always : IfNotPresent;

    /// <summary>Null when the image is ready; otherwise the waiting reason and message.</summary>
    public async Task<(string Reason, string Message)?> EnsureAsync(V1Pod pod, V1Container container, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ImageReference.Problem(container.Image) is { } invalid)
        {
            Record(pod, container, EventTypes.Warning, "InspectFailed", invalid);
            return ("InvalidImageName", invalid);
        }

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

        // Per pod and image, as upstream's backOffKey: one pod's failures do not hold back another's pull.
        var backoffKey = $"{pod.Metadata?.Uid}_{image}";
        if (_backoff.IsInBackoff(backoffKey, now, out _))
        {
            var message = $"Back-off pulling image \"{container.Image}\"";
            Record(pod, container, EventTypes.Normal, "BackOff", message);
            return ("ImagePullBackOff", _lastPullError.TryGetValue(backoffKey, out var last) ? $"{message}: {last}" : message);
        }

        Record(pod, container, EventTypes.Normal, "Pulling", $"Pulling image \"{container.Image}\"");
        var keyring = await PodPullSecrets.KeyringAsync(_rt.Client, _rt.Events, pod, cancellationToken).ConfigureAwait(false);
        var credentials = keyring.Lookup(image);
        var queued = _rt.Time.GetTimestamp();
        using var turn = await _rt.ImagePulls.EnterAsync(cancellationToken).ConfigureAwait(false);
        var started = _rt.Time.GetTimestamp();
        try
        {
            await PullAsync(image, credentials, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or ImagePullStalledException)
        {
            // From the failure, as upstream: a pull cancelled after its progress deadline took that
            // long, and a back-off counted from the sync's start would already be over.
            _backoff.Next(backoffKey, _rt.Time.GetUtcNow());
            var error = e is RpcException rpc ? ContainerEvents.GrpcError(rpc) : e.Message;
            LogPullFailed(_log, image, pod.Namespace(), pod.Name(), error);
            Record(pod, container, EventTypes.Warning, "Failed", $"Failed to pull image \"{container.Image}\": {error}");
            _lastPullError[backoffKey] = $"ErrImagePull: {error}";
            return ("ErrImagePull", error);
        }

        _backoff.Reset(backoffKey);
        _lastPullError.TryRemove(backoffKey, out _);
        var took = GoDuration.Milliseconds(_rt.Time.GetElapsedTime(started));
        var total = GoDuration.Milliseconds(_rt.Time.GetElapsedTime(queued));
        var size = (await _rt.Cri.ImageStatusAsync(image, cancellationToken).ConfigureAwait(false))?.Size ?? 0;
        LogPulled(_log, image, took, size);
        Record(pod, container, EventTypes.Normal, "Pulled", $"Successfully pulled image \"{container.Image}\" in {took} ({total} including waiting). Image size: {size} bytes.");
        return null;
    }

    /// <summary>
    /// One pull (<see cref="PullWithCredentialsAsync"/>) watched for progress: when its downloads
    /// take no byte for --image-pull-progress-deadline it is cancelled, the downloads it left are
    /// dropped (so the next attempt starts clean rather than behind a stuck one), and it fails
    /// with <see cref="ImagePullStalledException"/> saying which blob stopped where.
    /// </summary>
    private async Task PullAsync(string image, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        using var pull = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tracker = await StartTrackingAsync(cancellationToken).ConfigureAwait(false);
        var watch = WatchAsync(image, tracker, pull, watching.Token);
        try
        {
            await PullWithCredentialsAsync(image, credentials, pull.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException && pull.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Cancelled by the watch, not by the node: the pull stalled.
            var stall = await watch.ConfigureAwait(false);
            var description = stall?.Describe() ?? "no download advanced";
            var deadline = GoDuration.Milliseconds(_rt.Options.ImagePullProgressDeadline);
            LogStalled(_log, image, deadline, description);
            foreach (var stuck in stall?.Stuck ?? [])
            {
                await _rt.Ingests!.AbortAsync(stuck.Ref, cancellationToken).ConfigureAwait(false);
            }

            throw new ImagePullStalledException($"pull cancelled: no progress for {deadline} (--image-pull-progress-deadline): {description}", e);
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }
    }

    /// <summary>A tracker of the pull's downloads from what runs now; null when pulls are not watched.</summary>
    private async Task<PullProgressTracker?> StartTrackingAsync(CancellationToken cancellationToken)
    {
        if (_rt.Ingests is null || _rt.Options.ImagePullProgressDeadline <= TimeSpan.Zero)
        {
            return null;
        }

        IReadOnlyList<IngestStatus> before;
        try
        {
            before = await _rt.Ingests.ListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            // The pull is not held back for it; the watch treats every download as the pull's own.
            LogIngestsUnreadable(_log, e.Status.Detail);
            before = [];
        }

        return new PullProgressTracker(_rt.Options.ImagePullProgressDeadline, before, _rt.Time.GetUtcNow());
    }

    /// <summary>
    /// Until the pull ends: looks at its downloads every poll (cancelling <paramref name="pull"/>
    /// and returning the stall when they stopped for the deadline) and logs how far it got every
    /// progress interval, as big images take minutes and the events say nothing meanwhile.
    /// </summary>
    private async Task<PullStall?> WatchAsync(string image, PullProgressTracker? tracker, CancellationTokenSource pull, CancellationToken cancellationToken)
    {
        var started = _rt.Time.GetTimestamp();
        var lastLog = started;
        var poll = tracker is null ? _rt.Options.ImagePullProgressInterval : _rt.Options.ImagePullProgressPoll;
        try
        {
            while (true)
            {
                await Task.Delay(poll, _rt.Time, cancellationToken).ConfigureAwait(false);
                if (tracker is not null)
                {
                    try
                    {
                        var ingests = await _rt.Ingests!.ListAsync(cancellationToken).ConfigureAwait(false);
                        if (tracker.Observe(ingests, _rt.Time.GetUtcNow()) is { } stall)
                        {
                            await pull.CancelAsync().ConfigureAwait(false);
                            return stall;
                        }
                    }
                    catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
                    {
                        LogIngestsUnreadable(_log, e.Status.Detail);
                        tracker.Unknown(_rt.Time.GetUtcNow());
                    }
                }

                if (_rt.Time.GetElapsedTime(lastLog) >= _rt.Options.ImagePullProgressInterval)
                {
                    lastLog = _rt.Time.GetTimestamp();
                    var elapsed = GoDuration.Milliseconds(_rt.Time.GetElapsedTime(started));
                    var current = tracker?.Current ?? [];
                    LogStillPulling(_log, image, elapsed, current.Sum(s => s.Offset), current.Sum(s => s.Total), current.Count);
                }
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // The pull ended, maybe while a look was on the wire: gRPC reports that look as a
            // Cancelled RpcException, which must not turn the finished pull into a failed one.
            return null;
        }
    }

    /// <summary>
    /// One pull with each matching credential in turn until one succeeds (upstream's order: most
    /// specific key first); without any, an anonymous pull, which the runtime may still
    /// authenticate with the node's registries.yaml credentials. Fails with the last error.
    /// </summary>
    private async Task PullWithCredentialsAsync(string image, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        if (credentials.Count == 0)
        {
            await _rt.Cri.PullImageAsync(image, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        for (var i = 0; ; i++)
        {
            try
            {
                var auth = new AuthConfig { Username = credentials[i].Username, Password = credentials[i].Password };
                await _rt.Cri.PullImageAsync(image, auth, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RpcException) when (i < credentials.Count - 1 && !cancellationToken.IsCancellationRequested)
            {
                // The next matching credential may be the right one.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pulling image {Image}: no progress for {Deadline}, cancelled: {Stuck}")]
    private static partial void LogStalled(ILogger logger, string image, string deadline, string stuck);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading containerd's ongoing downloads failed: {Error}")]
    private static partial void LogIngestsUnreadable(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulling image {Image}: still running after {Elapsed}, {Bytes} of {Total} bytes in {Downloads} download(s) under way")]
    private static partial void LogStillPulling(ILogger logger, string image, string elapsed, long bytes, long total, int downloads);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled image {Image} in {Elapsed} ({Size} bytes)")]
    private static partial void LogPulled(ILogger logger, string image, string elapsed, ulong size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pulling image {Image} for pod {Namespace}/{Pod} failed: {Error}")]
    private static partial void LogPullFailed(ILogger logger, string image, string @namespace, string pod, string error);

    private void Record(V1Pod pod, V1Container container, string type, string reason, string message) =>
        _rt.Events.Container(pod, container, type, reason, message);
}
