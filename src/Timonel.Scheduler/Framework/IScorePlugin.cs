namespace Timonel.Scheduler.Framework;

/// <summary>
/// Ranks a feasible node, 0 to <see cref="MaxNodeScore"/> after normalization. Called concurrently
/// for many nodes: read-only on state and node.
/// </summary>
public interface IScorePlugin : IPlugin
{
    public const long MaxNodeScore = 100;

    long Score(CycleState state, PodInfo pod, NodeInfo node);
}
