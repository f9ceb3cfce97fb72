using System.Text.Json;
using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// NodeResourcesFit: the node must have room for the pod's requests (CPU, memory, ephemeral
/// storage, pod count, extended resources; init containers, sidecars and overhead included);
/// scores by the configured strategy.
/// </summary>
public sealed class NodeResourcesFit : IPreFilterPlugin, IFilterPlugin, IScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeResourcesFit";
    public const string TooManyPods = "Too many pods";

    private readonly HashSet<string> _ignored;
    private readonly string[] _ignoredGroups;

    public NodeResourcesFit(ResourceScoring? scoring = null, IEnumerable<string>? ignoredResources = null, IEnumerable<string>? ignoredResourceGroups = null)
    {
        Scoring = scoring ?? ResourceScoring.Default;
        _ignored = new HashSet<string>(ignoredResources ?? [], StringComparer.Ordinal);
        _ignoredGroups = [.. ignoredResourceGroups ?? []];
    }

    public string Name => PluginName;

    public ResourceScoring Scoring { get; }

    public static NodeResourcesFit FromArgs(JsonElement? args)
    {
        if (args is not { ValueKind: JsonValueKind.Object } a)
        {
            return new NodeResourcesFit();
        }

        var strategy = a.TryGetProperty("scoringStrategy", out var s) ? s : (JsonElement?)null;
        var ignored = a.TryGetProperty("ignoredResources", out var ir) ? ir.EnumerateArray().Select(e => e.GetString()!).ToList() : null;
        var groups = a.TryGetProperty("ignoredResourceGroups", out var ig) ? ig.EnumerateArray().Select(e => e.GetString()!).ToList() : null;
        return new NodeResourcesFit(ResourceScoring.Parse(strategy), ignored, groups);
    }

    public Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames)
    {
        // Requests are precomputed on the PodInfo; nothing to add to the cycle state.
        nodeNames = null;
        return null;
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var reasons = InsufficientResources(pod.Requests, node);
        return reasons is null ? null : Status.Unschedulable([.. reasons]);
    }

    /// <summary>The reasons the request does not fit, in upstream's order, or null when it fits.</summary>
    public List<string>? InsufficientResources(Resource req, NodeInfo node)
    {
        List<string>? reasons = null;
        if (node.Pods.Count + 1 > node.Allocatable.AllowedPodNumber)
        {
            (reasons ??= []).Add(TooManyPods);
        }

        if (req.MilliCpu == 0 && req.Memory == 0 && req.EphemeralStorage == 0 && (req.Scalars is null || req.Scalars.Count == 0))
        {
            return reasons;
        }

        var alloc = node.Allocatable;
        var used = node.Requested;
        if (req.MilliCpu > 0 && req.MilliCpu > alloc.MilliCpu - used.MilliCpu)
        {
            (reasons ??= []).Add("Insufficient cpu");
        }

        if (req.Memory > 0 && req.Memory > alloc.Memory - used.Memory)
        {
            (reasons ??= []).Add("Insufficient memory");
        }

        if (req.EphemeralStorage > 0 && req.EphemeralStorage > alloc.EphemeralStorage - used.EphemeralStorage)
        {
            (reasons ??= []).Add("Insufficient ephemeral-storage");
        }

        if (req.Scalars is { } scalars)
        {
            foreach (var (name, amount) in scalars)
            {
                if (amount == 0 || IsIgnored(name))
                {
                    continue;
                }

                if (amount > alloc.Scalar(name) - used.Scalar(name))
                {
                    (reasons ??= []).Add("Insufficient " + name);
                }
            }
        }

        return reasons;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node) => Scoring.Score(pod, node);

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.AssignedPod, ActionType.Delete | ActionType.UpdatePodScaleDown)),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeAllocatable), (pod, _, n) =>
        {
            if (n is not V1Node node)
            {
                return QueueingHint.Skip;
            }

            // Queue only if the pod would fit on the empty node (upstream's isFit check).
            var info = new NodeInfo(node.Metadata?.Name ?? string.Empty);
            info.SetNode(node);
            return InsufficientResources(pod.Requests, info) is null ? QueueingHint.Queue : QueueingHint.Skip;
        }),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodScaleDown)),
    ];

    private bool IsIgnored(string name)
    {
        if (_ignored.Contains(name))
        {
            return true;
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && _ignoredGroups.Contains(name[..slash]);
    }
}
