namespace Timonel.Scheduler.Framework;

/// <summary>
/// Decides whether the pod may run on one node. Called concurrently for many nodes: it must only
/// read <paramref name="state"/> and <paramref name="node"/>. Returns null/Success, Unschedulable
/// (preemption may help), UnschedulableAndUnresolvable (it cannot), or Error.
/// </summary>
public interface IFilterPlugin : IPlugin
{
    Status? Filter(CycleState state, PodInfo pod, NodeInfo node);
}
