namespace Timonel.Scheduler.Framework;

/// <summary>Work that must succeed before the bind (e.g. provisioning volumes); runs in the binding task, not the cycle.</summary>
public interface IPreBindPlugin : IPlugin
{
    Task<Status?> PreBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken);
}
