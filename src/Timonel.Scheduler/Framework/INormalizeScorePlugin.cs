namespace Timonel.Scheduler.Framework;

/// <summary>A score plugin whose raw scores are rescaled to 0..100 once all nodes are scored (index i is node i).</summary>
public interface INormalizeScorePlugin : IScorePlugin
{
    void NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores);
}
