using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Autoscaler.Simulation;

/// <summary>
/// Whether a pod would fit a node, decided by the scheduler's own PreFilter and Filter plugins
/// (upstream's PredicateChecker over the scheduler framework): the autoscaler's what-ifs agree
/// with what the scheduler will then do.
/// </summary>
internal sealed class FitChecker
{
    private readonly SchedulingFramework _framework;

    public FitChecker(SchedulerConfiguration? config = null, TimeProvider? time = null)
    {
        var handle = new PluginHandle(new SchedulerListers(), new NoWrites(), time ?? TimeProvider.System, new Nominator());
        _framework = ProfileFactory.BuildProfile((config ?? SchedulerConfiguration.Default).Profiles[0], 0, handle);
    }

    /// <summary>Null when <paramref name="pod"/> fits <paramref name="node"/> among <paramref name="cluster"/>; else the first plugin's refusal.</summary>
    public Status? Check(PodInfo pod, NodeInfo node, IReadOnlyList<NodeInfo> cluster)
    {
        var snapshot = Snapshot.Of(cluster.Contains(node) ? cluster : cluster.Append(node));
        _framework.Handle.Snapshot = snapshot;
        var state = new CycleState();
        var pre = _framework.RunPreFilter(state, pod, snapshot, out var names);
        if (pre is not null && !pre.IsSuccess)
        {
            return pre;
        }

        return names is not null && !names.Contains(node.Name)
            ? Status.Unresolvable("node(s) didn't satisfy plugin(s) PreFilter")
            : _framework.RunFilter(state, pod, node);
    }

    /// <summary>A NodeInfo for <paramref name="node"/> holding <paramref name="pods"/>.</summary>
    public static NodeInfo NodeInfoOf(V1Node node, IEnumerable<V1Pod> pods)
    {
        var info = new NodeInfo(node.Metadata.Name);
        info.SetNode(node);
        foreach (var pod in pods)
        {
            info.AddPod(new PodInfo(pod));
        }

        return info;
    }

    /// <summary>The what-ifs never bind, preempt or write: these calls cannot happen.</summary>
    private sealed class NoWrites : ISchedulerClient
    {
        public Task BindAsync(V1Pod pod, string nodeName, CancellationToken cancellationToken) => throw new NotSupportedException("the autoscaler's simulation does not bind");

        public Task DeletePodAsync(V1Pod pod, V1Pod preemptor, string nodeName, CancellationToken cancellationToken) => throw new NotSupportedException("the autoscaler's simulation does not preempt");

        public Task RecordFailureAsync(V1Pod pod, string reason, string message, string? nominatedNodeName, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
