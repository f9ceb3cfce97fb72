namespace Timonel.Scheduler.Framework;

/// <summary>
/// Reserve claims node-local resources for the pod once a node is chosen; Unreserve undoes it if
/// a later step fails (it must be idempotent and cannot fail).
/// </summary>
public interface IReservePlugin : IPlugin
{
    Status? Reserve(CycleState state, PodInfo pod, string nodeName);

    void Unreserve(CycleState state, PodInfo pod, string nodeName);
}
