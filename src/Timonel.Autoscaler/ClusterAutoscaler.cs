using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Autoscaler.NodeGroups;
using Timonel.Autoscaler.Simulation;
using Timonel.Client.Controllers;
using Timonel.Client.Events;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Framework;

namespace Timonel.Autoscaler;

/// <summary>What one loop did (for logs and tests).</summary>
public sealed record LoopResult(string? ScaledUpGroup, int ScaledUpBy, IReadOnlyList<string> Unneeded, IReadOnlyList<string> DrainStarted, IReadOnlyList<string> Removed);

/// <summary>
/// The built-in cluster autoscaler (upstream's StaticAutoscaler.RunOnce): every scan interval it
/// lists the cluster, grows a node group when pods are unschedulable and a group's template would
/// take them, and removes nodes of groups that have been unneeded long enough, draining them
/// through the Eviction API. Scale-up and scale-down what-ifs run the scheduler's filters.
/// </summary>
public sealed partial class ClusterAutoscaler : IAsyncDisposable
{
    private static readonly TimeSpan GroupBackoff = TimeSpan.FromMinutes(5);

    private readonly IKubernetes _client;
    private readonly INodeGroupProvider _provider;
    private readonly ClusterAutoscalerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly EventRecorder _events;
    private readonly FitChecker _fit;
    private readonly Random _random;
    private readonly Dictionary<string, DateTimeOffset> _unneededSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _draining = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _notTriggeredAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _backoffUntil = new(StringComparer.Ordinal);
    private DateTimeOffset _lastScaleUp = DateTimeOffset.MinValue;
    private DateTimeOffset _lastScaleDown = DateTimeOffset.MinValue;
    private bool _cleanedTaints;

    public ClusterAutoscaler(IKubernetes client, INodeGroupProvider provider, ClusterAutoscalerOptions? options = null, ILoggerFactory? loggers = null, TimeProvider? time = null, SchedulerConfiguration? schedulerConfig = null, Random? random = null)
    {
        _client = client;
        _provider = provider;
        _options = options ?? new ClusterAutoscalerOptions();
        _time = time ?? TimeProvider.System;
        _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger("cluster-autoscaler");
        _events = new EventRecorder(client, "cluster-autoscaler", logger: _log, time: _time);
        _fit = new FitChecker(schedulerConfig, _time);
        _random = random ?? new Random();
    }

    /// <summary>Runs a loop every scan interval (on the injected clock) until cancelled; a failed loop is logged and the next one runs.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.LoopFailed(_log, e.Message);
            }

            await Task.Delay(_options.ScanInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the events recorded so far are written (tests).</summary>
    public Task FlushEventsAsync(CancellationToken cancellationToken) => _events.FlushAsync(cancellationToken);

    public async Task<LoopResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var nodes = (await _client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Items.ToList();
        var pods = (await _client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Items;
        var pdbs = (await _client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Items.ToList();
        _provider.Refresh(nodes);
        if (!_cleanedTaints)
        {
            // A previous run may have died mid-drain: its taints would keep pods off nodes nobody removes.
            foreach (var node in nodes.Where(n => ScaleDownPlanner.IsBeingDeleted(n)))
            {
                await SetDeletionTaintAsync(node.Metadata.Name, add: false, cancellationToken).ConfigureAwait(false);
            }

            _cleanedTaints = true;
        }

        var podsByNode = pods.Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName) && p.Status?.Phase is not ("Succeeded" or "Failed"))
            .GroupBy(p => p.Spec.NodeName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var removed = await ContinueDrainsAsync(nodes, podsByNode, now, cancellationToken).ConfigureAwait(false);
        nodes.RemoveAll(n => removed.Contains(n.Metadata.Name));

        var infos = nodes.Select(n => FitChecker.NodeInfoOf(n, podsByNode.GetValueOrDefault(n.Metadata.Name) ?? [])).ToList();

        // A group's node that registered but is not Ready yet is still starting (upstream's
        // NotStarted): it stays upcoming, as a template, until it is Ready. Counted as a node it
        // takes no pods (not ready yet), and the pods waiting for it would ask for another machine.
        var starting = nodes.Where(n => IsStarting(n, now) && _provider.NodeGroups.Any(g => g.Nodes.Contains(n.Metadata.Name)))
            .Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var withUpcoming = infos.Where(i => !starting.Contains(i.Name)).ToList();
        foreach (var group in _provider.NodeGroups)
        {
            var upcoming = group.TargetSize - group.Nodes.Count + group.Nodes.Count(starting.Contains);
            for (var i = 0; i < upcoming; i++)
            {
                withUpcoming.Add(FitChecker.NodeInfoOf(group.TemplateNode($"{group.Id}-upcoming-{i}"), []));
            }
        }

        var pending = pods.Where(IsUnschedulable).Select(p => new PodInfo(p)).ToList();
        var remaining = BinpackingEstimator.PlaceOnExisting(_fit, pending, withUpcoming);
        var (scaledGroup, scaledBy) = remaining.Count > 0 ? await ScaleUpAsync(remaining, withUpcoming, now, cancellationToken).ConfigureAwait(false) : (null, 0);
        ForgetNotTriggered(pending);

        var verdicts = _options.ScaleDownEnabled ? ScaleDownPlanner.Plan(_fit, _provider, infos, pdbs, _options.ScaleDownUtilizationThreshold) : [];
        var candidates = verdicts.Where(v => v.Candidate is not null).Select(v => v.Candidate!).ToList();
        foreach (var name in _unneededSince.Keys.Where(k => candidates.All(c => c.Node.Metadata.Name != k)).ToList())
        {
            _unneededSince.Remove(name);
        }

        foreach (var c in candidates)
        {
            _unneededSince.TryAdd(c.Node.Metadata.Name, now);
        }

        var drainStarted = new List<string>();
        var inCooldown = scaledGroup is not null
            || now < _lastScaleUp + _options.ScaleDownDelayAfterAdd
            || now < _lastScaleDown + _options.ScaleDownDelayAfterDelete
            || _draining.Count > 0;
        if (!inCooldown)
        {
            var (gone, drained) = await ScaleDownAsync(candidates, now, cancellationToken).ConfigureAwait(false);
            removed.AddRange(gone);
            drainStarted.AddRange(drained);
        }

        await WriteStatusAsync(nodes, remaining.Count, scaledGroup, candidates, now, cancellationToken).ConfigureAwait(false);
        return new LoopResult(scaledGroup, scaledBy, [.. candidates.Select(c => c.Node.Metadata.Name)], drainStarted, removed);
    }

    private static bool IsUnschedulable(V1Pod pod) =>
        string.IsNullOrEmpty(pod.Spec?.NodeName)
        && pod.Metadata.DeletionTimestamp is null
        && pod.Status?.Phase is not ("Succeeded" or "Failed")
        && pod.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable") == true;

    private async Task<(string? Group, int By)> ScaleUpAsync(List<PodInfo> remaining, List<NodeInfo> cluster, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var options = new List<ScaleUpOption>();
        var rejections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var group in _provider.NodeGroups)
        {
            var room = group.MaxSize - group.TargetSize;
            if (_backoffUntil.TryGetValue(group.Id, out var until) && now < until)
            {
                Reject(rejections, remaining, "in backoff after failed scale-up");
                continue;
            }

            var estimate = BinpackingEstimator.Estimate(_fit, remaining, group.TemplateNode, cluster, room, group.Id);
            if (estimate.NodeCount > 0)
            {
                options.Add(new ScaleUpOption(group, estimate.NodeCount, estimate.Pods, estimate.NewNodes));
            }

            // Why this group takes none of the others: its template refuses them, or it is at its maximum.
            var template = FitChecker.NodeInfoOf(group.TemplateNode($"{group.Id}-template"), []);
            foreach (var pod in remaining.Where(p => !estimate.Pods.Contains(p)))
            {
                var reason = _fit.Check(pod, template, cluster) is { } refusal ? refusal.Message : "max node group size reached";
                (rejections.TryGetValue(pod.Key, out var list) ? list : rejections[pod.Key] = []).Add(reason);
            }
        }

        var chosen = Expander.Choose(_options.Expander, options, _random);
        var helped = options.SelectMany(o => o.Pods).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var pod in remaining.Where(p => !helped.Contains(p.Key)))
        {
            NotTriggered(pod, rejections.GetValueOrDefault(pod.Key) ?? [], now);
        }

        if (chosen is null)
        {
            return (null, 0);
        }

        var grown = chosen.Group;
        var from = grown.TargetSize;
        try
        {
            await grown.IncreaseSizeAsync(chosen.NodeCount, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _backoffUntil[grown.Id] = now + GroupBackoff;
            _events.Event(StatusReference(), EventTypes.Warning, "FailedToScaleUpGroup", $"Scale-up failed for group {grown.Id}: {e.Message}");
            Log.ScaleUpFailed(_log, grown.Id, e.Message);
            return (null, 0);
        }

        _lastScaleUp = now;
        var to = from + chosen.NodeCount;
        Log.ScaledUp(_log, grown.Id, from, to, chosen.Pods.Count);
        _events.Event(StatusReference(), EventTypes.Normal, "ScaledUpGroup", $"Scale-up: setting group {grown.Id} size to {to} instead of {from} (max: {grown.MaxSize})");
        _events.Event(StatusReference(), EventTypes.Normal, "ScaledUpGroup", $"Scale-up: group {grown.Id} size set to {to} instead of {from} (max: {grown.MaxSize})");
        foreach (var pod in chosen.Pods)
        {
            _events.Event(pod.Pod, EventTypes.Normal, "TriggeredScaleUp", $"pod triggered scale-up: [{{{grown.Id} {from}->{to} (max: {grown.MaxSize})}}]");
        }

        return (grown.Id, chosen.NodeCount);
    }

    private static void Reject(Dictionary<string, List<string>> rejections, List<PodInfo> pods, string reason)
    {
        foreach (var pod in pods)
        {
            (rejections.TryGetValue(pod.Key, out var list) ? list : rejections[pod.Key] = []).Add(reason);
        }
    }

    /// <summary>NotTriggerScaleUp as upstream words it ("N reason, M reason"), at most once per interval per pod.</summary>
    private void NotTriggered(PodInfo pod, List<string> reasons, DateTimeOffset now)
    {
        var uid = pod.Pod.Metadata.Uid ?? pod.Key;
        if (_notTriggeredAt.TryGetValue(uid, out var last) && now - last < _options.NotTriggerScaleUpEventInterval)
        {
            return;
        }

        _notTriggeredAt[uid] = now;
        var counted = reasons.GroupBy(r => r, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}");
        var message = reasons.Count == 0
            ? "pod didn't trigger scale-up: no node group can be scaled up"
            : $"pod didn't trigger scale-up: {string.Join(", ", counted)}";
        _events.Event(pod.Pod, EventTypes.Normal, "NotTriggerScaleUp", message);
    }

    private void ForgetNotTriggered(List<PodInfo> pending)
    {
        var live = pending.Select(p => p.Pod.Metadata.Uid ?? p.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var uid in _notTriggeredAt.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _notTriggeredAt.Remove(uid);
        }
    }

    private async Task<(List<string> Removed, List<string> DrainStarted)> ScaleDownAsync(List<ScaleDownCandidate> candidates, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        var drainStarted = new List<string>();
        var due = candidates.Where(c => now - _unneededSince[c.Node.Metadata.Name] >= _options.ScaleDownUnneededTime).ToList();
        var budget = _provider.NodeGroups.ToDictionary(g => g.Id, g => g.TargetSize - g.MinSize, StringComparer.Ordinal);

        // Empty nodes go together (--max-empty-bulk-delete); one occupied node is drained at a time.
        foreach (var c in due.Where(c => c.PodsToMove.Count == 0).Take(_options.MaxEmptyBulkDelete))
        {
            if (budget[c.Group.Id] <= 0)
            {
                continue;
            }

            budget[c.Group.Id]--;
            var name = c.Node.Metadata.Name;
            if (!await SetDeletionTaintAsync(name, add: true, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            _events.Event(c.Node, EventTypes.Normal, "ScaleDown", "marked the node as toBeDeleted/unschedulable");
            if (await DeleteAsync(c.Group, c.Node, cancellationToken).ConfigureAwait(false))
            {
                _events.Event(StatusReference(), EventTypes.Normal, "ScaleDownEmpty", $"Scale-down: removing empty node \"{name}\"");
                Log.RemovedEmpty(_log, name, c.Group.Id);
                removed.Add(name);
                _unneededSince.Remove(name);
                _lastScaleDown = now;
            }
        }

        if (removed.Count > 0)
        {
            return (removed, drainStarted);
        }

        foreach (var c in due.Where(c => c.PodsToMove.Count > 0).OrderBy(c => c.Utilization))
        {
            if (budget[c.Group.Id] <= 0)
            {
                continue;
            }

            var name = c.Node.Metadata.Name;
            if (!await SetDeletionTaintAsync(name, add: true, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            _events.Event(c.Node, EventTypes.Normal, "ScaleDown", "marked the node as toBeDeleted/unschedulable");
            _events.Event(StatusReference(), EventTypes.Normal, "ScaleDown", $"Scale-down: removing node {name}, utilization: {c.Utilization.ToString("0.00", CultureInfo.InvariantCulture)}, pods to reschedule: {string.Join(",", c.PodsToMove.Select(p => p.Metadata.Name))}");
            Log.Draining(_log, name, c.Group.Id, c.PodsToMove.Count);
            _draining[name] = now;
            _unneededSince.Remove(name);
            await EvictAsync(c.PodsToMove, cancellationToken).ConfigureAwait(false);
            drainStarted.Add(name);
            break;
        }

        return (removed, drainStarted);
    }

    /// <summary>Moves each draining node on: evictions retried, then removal once its pods are gone, or the drain given up.</summary>
    private async Task<List<string>> ContinueDrainsAsync(List<V1Node> nodes, Dictionary<string, List<V1Pod>> podsByNode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        foreach (var (name, started) in _draining.ToList())
        {
            var node = nodes.FirstOrDefault(n => n.Metadata.Name == name);
            var group = node is null ? null : _provider.NodeGroupForNode(node);
            if (node is null || group is null)
            {
                _draining.Remove(name);
                continue;
            }

            var left = (podsByNode.GetValueOrDefault(name) ?? []).Where(p => !DrainRules.StaysWithNode(p)).ToList();
            var notEvicted = left.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            if (notEvicted.Count > 0)
            {
                if (now - started > _options.MaxPodEvictionTime)
                {
                    _draining.Remove(name);
                    await SetDeletionTaintAsync(name, add: false, cancellationToken).ConfigureAwait(false);
                    _events.Event(node, EventTypes.Warning, "ScaleDownFailed", $"failed to drain the node, aborting ScaleDown: {notEvicted.Count} pod(s) could not be evicted within {_options.MaxPodEvictionTime}");
                    Log.DrainFailed(_log, name, notEvicted.Count);
                    continue;
                }

                await EvictAsync(notEvicted, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (left.Count > 0 && now - started < _options.MaxPodEvictionTime + _options.MaxGracefulTermination)
            {
                continue;
            }

            _draining.Remove(name);
            if (await DeleteAsync(group, node, cancellationToken).ConfigureAwait(false))
            {
                Log.Removed(_log, name, group.Id);
                removed.Add(name);
                _lastScaleDown = now;
            }
        }

        return removed;
    }

    private async Task EvictAsync(IEnumerable<V1Pod> pods, CancellationToken cancellationToken)
    {
        foreach (var pod in pods)
        {
            var eviction = new V1Eviction { ApiVersion = "policy/v1", Kind = "Eviction", Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty } };
            try
            {
                await _client.CoreV1.CreateNamespacedPodEvictionAsync(eviction, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                _events.Event(pod, EventTypes.Normal, "ScaleDown", "deleting pod for node scale down");
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // A PodDisruptionBudget refuses for now: the next loop tries again until --max-pod-eviction-time.
                Log.EvictionRefused(_log, pod.Metadata.NamespaceProperty, pod.Metadata.Name, ApiErrors.MessageOf(e));
            }
            catch (Exception e) when (ApiErrors.IsNotFound(e))
            {
                // Gone already.
            }
        }
    }

    private async Task<bool> DeleteAsync(INodeGroup group, V1Node node, CancellationToken cancellationToken)
    {
        try
        {
            await group.DeleteNodesAsync([node], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.DeleteFailed(_log, node.Metadata.Name, e.Message);
            await SetDeletionTaintAsync(node.Metadata.Name, add: false, cancellationToken).ConfigureAwait(false);
            _events.Event(node, EventTypes.Warning, "ScaleDownFailed", $"failed to delete the node: {e.Message}");
            return false;
        }
    }

    /// <summary>Adds or removes the ToBeDeletedByClusterAutoscaler:NoSchedule taint; false when the node is gone or would not take it.</summary>
    private async Task<bool> SetDeletionTaintAsync(string name, bool add, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                var node = await _client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
                var taints = node.Spec?.Taints?.Where(t => t.Key != ScaleDownPlanner.ToBeDeletedTaint).ToList() ?? [];
                if (add)
                {
                    taints.Add(new V1Taint { Key = ScaleDownPlanner.ToBeDeletedTaint, Value = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Effect = "NoSchedule" });
                }

                node.Spec ??= new V1NodeSpec();
                node.Spec.Taints = taints.Count == 0 ? null : taints;
                await _client.CoreV1.ReplaceNodeAsync(node, name, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (ApiErrors.IsConflict(e))
            {
                // Someone else wrote the node: read it again.
            }
            catch (Exception e) when (ApiErrors.IsNotFound(e))
            {
                return false;
            }
        }

        return false;
    }

    private async Task WriteStatusAsync(List<V1Node> nodes, int pending, string? scaledGroup, List<ScaleDownCandidate> candidates, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var groups = _provider.NodeGroups.Select(g =>
        {
            var members = nodes.Where(n => _provider.NodeGroupForNode(n) == g).ToList();
            return new GroupStatus(g, members.Count, members.Count(IsReady), candidates.Count(c => c.Group == g), scaledGroup == g.Id);
        }).ToList();
        var text = AutoscalerStatus.Render(now, nodes.Count, nodes.Count(IsReady), pending, scaledGroup is not null || groups.Any(g => g.Group.TargetSize > g.Registered), candidates.Count, groups);
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = AutoscalerStatus.ConfigMapName,
                NamespaceProperty = AutoscalerStatus.Namespace,
                Annotations = new Dictionary<string, string> { [AutoscalerStatus.LastUpdatedAnnotation] = AutoscalerStatus.Time(now) },
            },
            Data = new Dictionary<string, string> { ["status"] = text },
        };
        try
        {
            var existing = await _client.CoreV1.ReadNamespacedConfigMapAsync(map.Metadata.Name, map.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            existing.Data = map.Data;
            existing.Metadata.Annotations ??= new Dictionary<string, string>();
            existing.Metadata.Annotations[AutoscalerStatus.LastUpdatedAnnotation] = AutoscalerStatus.Time(now);
            await _client.CoreV1.ReplaceNamespacedConfigMapAsync(existing, map.Metadata.Name, map.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e))
        {
            await _client.CoreV1.CreateNamespacedConfigMapAsync(map, map.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsConflict(e))
        {
            // Written by another loop in between: the next loop writes again.
        }
    }

    /// <summary>Not Ready and registered less than <see cref="ClusterAutoscalerOptions.MaxNodeStartupTime"/> ago.</summary>
    private bool IsStarting(V1Node node, DateTimeOffset now) =>
        !IsReady(node) && node.Metadata.CreationTimestamp is { } created && now - new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) < _options.MaxNodeStartupTime;

    private static bool IsReady(V1Node node) => node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static V1ObjectReference StatusReference() => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Name = AutoscalerStatus.ConfigMapName,
        NamespaceProperty = AutoscalerStatus.Namespace,
    };

    public ValueTask DisposeAsync() => _events.DisposeAsync();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "cluster autoscaler loop failed: {Error}")]
        public static partial void LoopFailed(ILogger logger, string error);

        [LoggerMessage(Level = LogLevel.Information, Message = "scale-up: node group {Group} from {From} to {To} nodes for {Pods} pending pod(s)")]
        public static partial void ScaledUp(ILogger logger, string group, int from, int to, int pods);

        [LoggerMessage(Level = LogLevel.Warning, Message = "scale-up of node group {Group} failed: {Error}")]
        public static partial void ScaleUpFailed(ILogger logger, string group, string error);

        [LoggerMessage(Level = LogLevel.Information, Message = "scale-down: removed empty node {Node} of node group {Group}")]
        public static partial void RemovedEmpty(ILogger logger, string node, string group);

        [LoggerMessage(Level = LogLevel.Information, Message = "scale-down: draining node {Node} of node group {Group}, {Pods} pod(s) to move")]
        public static partial void Draining(ILogger logger, string node, string group, int pods);

        [LoggerMessage(Level = LogLevel.Information, Message = "scale-down: removed drained node {Node} of node group {Group}")]
        public static partial void Removed(ILogger logger, string node, string group);

        [LoggerMessage(Level = LogLevel.Warning, Message = "scale-down: drain of node {Node} given up, {Pods} pod(s) could not be evicted")]
        public static partial void DrainFailed(ILogger logger, string node, int pods);

        [LoggerMessage(Level = LogLevel.Warning, Message = "scale-down: deleting node {Node} failed: {Error}")]
        public static partial void DeleteFailed(ILogger logger, string node, string error);

        [LoggerMessage(Level = LogLevel.Information, Message = "eviction of pod {Namespace}/{Name} refused for now: {Reason}")]
        public static partial void EvictionRefused(ILogger logger, string @namespace, string name, string reason);
    }
}
