namespace Timonel.Scheduler.Framework;

/// <summary>Binds the pod to the node. Skip passes the pod to the next bind plugin; the first non-Skip result wins.</summary>
public interface IBindPlugin : IPlugin
{
    Task<Status?> BindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken);
}
