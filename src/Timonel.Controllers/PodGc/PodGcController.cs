using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.NodeLifecycle;

namespace Timonel.Controllers.PodGc;

/// <summary>
/// Upstream's pod garbage collector, one pass per check period: force-deletes pods bound to nodes
/// that no longer exist (after a quarantine and a confirming read, marked Failed with a
/// DisruptionTarget condition first), terminating pods that were never scheduled, and the oldest
/// terminated pods beyond --terminated-pod-gc-threshold.
/// </summary>
public sealed partial class PodGcController : IController
{
    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly Dictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);
    private readonly ILogger _log;

    public PodGcController(ControllerContext context)
    {
        _context = context;
        _log = context.Loggers.CreateLogger("pod-garbage-collector");
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _nodes = context.Informers.Get(ResourceKinds.Nodes);
    }

    public string Name => "podgc";

    /// <summary>Upstream checks every 20 s: four node monitor periods by default, and shorter with them in tests.</summary>
    internal TimeSpan CheckPeriod => _context.Options.NodeMonitorPeriod * 4;

    /// <summary>How long a node must stay missing before its pods go (upstream: 40 s, the default node monitor grace period).</summary>
    internal TimeSpan Quarantine => _context.Options.NodeMonitorGracePeriod;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_pods.WaitForSyncAsync(cancellationToken), _nodes.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
            using var timer = new PeriodicTimer(CheckPeriod, _context.Time);
            do
            {
                try
                {
                    await GcOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (HttpOperationException e)
                {
                    Log.PassFailed(_log, e);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    internal async Task GcOnceAsync(CancellationToken cancellationToken)
    {
        var pods = _pods.Cache.List();
        await GcTerminatedAsync(pods, cancellationToken).ConfigureAwait(false);
        await GcOrphanedAsync(pods, cancellationToken).ConfigureAwait(false);
        await GcUnscheduledTerminatingAsync(pods, cancellationToken).ConfigureAwait(false);
    }

    private async Task GcTerminatedAsync(IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var threshold = _context.Options.TerminatedPodGcThreshold;
        if (threshold <= 0)
        {
            return;
        }

        var terminated = pods.Where(p => p.Status?.Phase is "Succeeded" or "Failed").ToList();
        var excess = terminated.Count - threshold;
        if (excess <= 0)
        {
            return;
        }

        Log.TerminatedOverThreshold(_log, terminated.Count, threshold);
        foreach (var pod in terminated.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).Take(excess))
        {
            await ForceDeleteAsync(pod, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task GcOrphanedAsync(IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        var missing = pods
            .Select(p => p.Spec?.NodeName)
            .OfType<string>()
            .Where(n => n.Length > 0 && _nodes.Cache.Get(n) is null)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var name in _missingSince.Keys.Where(n => !missing.Contains(n)).ToList())
        {
            _missingSince.Remove(name);
        }

        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in missing)
        {
            if (!_missingSince.TryGetValue(name, out var since))
            {
                _missingSince[name] = now;
                continue;
            }

            if (now - since < Quarantine)
            {
                continue;
            }

            // The cache may lag: only a read that says NotFound condemns the node's pods.
            if (await NodeExistsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                _missingSince.Remove(name);
                continue;
            }

            deleted.Add(name);
        }

        foreach (var pod in pods.Where(p => p.Spec?.NodeName is { } n && deleted.Contains(n)))
        {
            Log.Orphaned(_log, pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Spec.NodeName);
            var condition = new V1PodCondition
            {
                Type = "DisruptionTarget",
                Status = "True",
                Reason = "DeletionByPodGC",
                Message = "PodGC: node no longer exists",
                LastTransitionTime = now.UtcDateTime,
            };
            await ForceDeleteAsync(pod, condition, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task GcUnscheduledTerminatingAsync(IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is not null && string.IsNullOrEmpty(p.Spec?.NodeName)))
        {
            await ForceDeleteAsync(pod, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Marks a pod that has not finished Failed (with the condition, if any), then deletes it with grace 0.</summary>
    private async Task ForceDeleteAsync(V1Pod pod, V1PodCondition? condition, CancellationToken cancellationToken)
    {
        if (pod.Status?.Phase is not ("Succeeded" or "Failed"))
        {
            condition ??= new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "DeletionByPodGC", Message = "PodGC: pod is being deleted", LastTransitionTime = _context.Time.GetUtcNow().UtcDateTime };
            var reason = condition.Message == "PodGC: node no longer exists" ? "NodeLost" : null;
            if (!await PodStatusWrites.SetAsync(_context.Client, pod, condition, "Failed", reason, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }

        try
        {
            var options = new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } };
            await _context.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
        }
    }

    private async Task<bool> NodeExistsAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "garbage collecting {Count} terminated pods over the threshold {Threshold}")]
        public static partial void TerminatedOverThreshold(ILogger logger, int count, int threshold);

        [LoggerMessage(Level = LogLevel.Information, Message = "force deleting orphaned pod {Namespace}/{Name}: node {Node} no longer exists")]
        public static partial void Orphaned(ILogger logger, string @namespace, string name, string node);

        [LoggerMessage(Level = LogLevel.Warning, Message = "pod GC pass failed; retrying next period")]
        public static partial void PassFailed(ILogger logger, Exception error);
    }
}
