namespace Timonel.Scheduler.Framework;

/// <summary>
/// Lets preemption update a PreFilter plugin's cycle state when it tries removing (or adding
/// back) a pod on a node, so Filter judges the what-if node correctly.
/// </summary>
public interface IPreFilterExtensions : IPreFilterPlugin
{
    void AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo node);

    void RemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo node);
}
