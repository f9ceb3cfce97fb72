namespace Timonel.Scheduler.Framework;

/// <summary>Runs once per cycle before Score with the feasible nodes, to precompute scoring state. Skip skips this plugin's Score.</summary>
public interface IPreScorePlugin : IPlugin
{
    Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes);
}
