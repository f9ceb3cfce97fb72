using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The disk half of upstream's eviction manager. Every monitoring interval it observes the image
/// and node filesystems against the hard thresholds; while one is met, and for the pressure
/// transition period after, <see cref="UnderPressure"/> is true (the Node's DiskPressure
/// condition, which the node lifecycle controller turns into the node.kubernetes.io/disk-pressure
/// taint). When a threshold is met it first reclaims node-level resources — every unused image
/// (<see cref="ImageGcManager.DeleteUnusedImagesAsync"/>) — and, when the threshold is still met,
/// evicts one pod per interval in upstream's disk ranking: pods using more ephemeral storage than
/// they request first, then lower priority, then larger use above request. Critical pods
/// (priority ≥ 2000000000) are never chosen.
/// </summary>
public sealed partial class DiskPressureMonitor
{
    /// <summary>Pods at or above system-cluster-critical's priority are never evicted for node pressure.</summary>
    public const int CriticalPriority = 2_000_000_000;

    private readonly IFilesystemStats _fs;
    private readonly ImageGcManager? _gc;
    private readonly DiskEvictionThresholds _thresholds;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Func<IReadOnlyList<V1Pod>> _pods;
    private readonly Func<V1Pod, long> _podDiskUsage;
    private readonly Action<V1Pod, string> _evict;
    private DateTimeOffset? _lastMet;

    /// <param name="pods">The pods bound to the node.</param>
    /// <param name="podDiskUsage">The bytes of ephemeral storage a pod uses on the node.</param>
    /// <param name="evict">Evicts the pod with the message (the pod worker kills it and marks it Failed/Evicted).</param>
    public DiskPressureMonitor(IFilesystemStats fs, ImageGcManager? gc, DiskEvictionThresholds thresholds, TimeProvider time, ILogger log, Func<IReadOnlyList<V1Pod>> pods, Func<V1Pod, long> podDiskUsage, Action<V1Pod, string> evict)
    {
        _fs = fs;
        _gc = gc;
        _thresholds = thresholds;
        _time = time;
        _log = log;
        _pods = pods;
        _podDiskUsage = podDiskUsage;
        _evict = evict;
    }

    /// <summary>Whether the node reports DiskPressure: a threshold met at the last observation or within the transition period before it.</summary>
    public bool UnderPressure { get; private set; }

    public Task RunAsync(CancellationToken cancellationToken) =>
        NodeLoop.RunAsync(SynchronizeAsync, _thresholds.MonitoringInterval, _time, ObserveFailed, cancellationToken);

    /// <summary>A filesystem or the runtime failing to answer: logged, and the next interval observes again.</summary>
    private bool ObserveFailed(Exception e)
    {
        if (e is not (IOException or Grpc.Core.RpcException or UnauthorizedAccessException))
        {
            return false;
        }

        LogObserveFailed(e.Message);
        return true;
    }

    /// <summary>One observation: updates <see cref="UnderPressure"/>, reclaims images and evicts a pod when needed; returns the evicted pod, if any.</summary>
    public async Task<V1Pod?> SynchronizeAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var met = await MetAsync(cancellationToken).ConfigureAwait(false);
        if (met is not null)
        {
            _lastMet = now;
        }

        var wasUnderPressure = UnderPressure;
        UnderPressure = met is not null || (_lastMet is { } last && now - last < _thresholds.PressureTransitionPeriod);
        if (UnderPressure != wasUnderPressure)
        {
            LogPressure(UnderPressure);
        }

        if (met is null)
        {
            return null;
        }

        if (_gc is not null)
        {
            var freed = await _gc.DeleteUnusedImagesAsync(cancellationToken).ConfigureAwait(false);
            met = await MetAsync(cancellationToken).ConfigureAwait(false);
            if (met is null)
            {
                LogReclaimed(freed);
                return null;
            }
        }

        var victim = Rank(_pods()).FirstOrDefault();
        if (victim is null)
        {
            LogNothingToEvict(met.Value.Signal);
            return null;
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"The node was low on resource: ephemeral-storage. Threshold quantity: {met.Value.Threshold}, available: {met.Value.Available}. ");
        LogEvicting(victim.Metadata.NamespaceProperty, victim.Metadata.Name, met.Value.Signal);
        _evict(victim, message);
        return victim;
    }

    /// <summary>Upstream's rankDiskPressureFunc over the pods that may be evicted.</summary>
    public IEnumerable<V1Pod> Rank(IEnumerable<V1Pod> pods)
    {
        var candidates = pods
            .Where(p => p.Status?.Phase is not ("Succeeded" or "Failed") && p.Metadata.DeletionTimestamp is null && (p.Spec.Priority ?? 0) < CriticalPriority)
            .Select(p => (Pod: p, Over: _podDiskUsage(p) - Request(p)))
            .ToList();
        return candidates
            .OrderByDescending(c => c.Over > 0)
            .ThenBy(c => c.Pod.Spec.Priority ?? 0)
            .ThenByDescending(c => c.Over)
            .Select(c => c.Pod);
    }

    /// <summary>The pod's ephemeral-storage request: its containers' requests summed.</summary>
    private static long Request(V1Pod pod) =>
        pod.Spec.Containers.Sum(c => c.Resources?.Requests is { } r && r.TryGetValue("ephemeral-storage", out var q) ? (long)q.ToDecimal() : 0L);

    /// <summary>The first disk threshold met (image filesystem first), with the signal's threshold and what is available; null when none.</summary>
    private async Task<(string Signal, string Threshold, string Available)?> MetAsync(CancellationToken cancellationToken)
    {
        var image = await _fs.ImageFsAsync(cancellationToken).ConfigureAwait(false);
        if (Below(image, _thresholds.ImageFsAvailablePercent) is { } imageThreshold)
        {
            return ("imagefs.available", Ki(imageThreshold), Ki(image.AvailableBytes));
        }

        var node = await _fs.NodeFsAsync(cancellationToken).ConfigureAwait(false);
        return Below(node, _thresholds.NodeFsAvailablePercent) is { } nodeThreshold ? ("nodefs.available", Ki(nodeThreshold), Ki(node.AvailableBytes)) : null;
    }

    /// <summary>The threshold in bytes when the filesystem's available space is below it; null otherwise.</summary>
    private static long? Below(FsStats fs, int percent)
    {
        if (fs.CapacityBytes <= 0)
        {
            return null;
        }

        var threshold = fs.CapacityBytes * percent / 100;
        return fs.AvailableBytes < threshold ? threshold : null;
    }

    private static string Ki(long bytes) => (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki";

    [LoggerMessage(Level = LogLevel.Warning, Message = "disk pressure: {Pressure}")]
    private partial void LogPressure(bool pressure);

    [LoggerMessage(Level = LogLevel.Information, Message = "disk pressure relieved by removing unused images ({Bytes} bytes freed)")]
    private partial void LogReclaimed(long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Signal} threshold still met after image garbage collection, and no pod may be evicted")]
    private partial void LogNothingToEvict(string signal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "evicting pod {Namespace}/{Name}: {Signal} threshold met")]
    private partial void LogEvicting(string @namespace, string name, string signal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "disk pressure observation failed: {Reason}")]
    private partial void LogObserveFailed(string reason);
}
