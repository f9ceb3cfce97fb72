namespace Timonel.Scheduler.Framework;

/// <summary>Approves or rejects binding the pod to the chosen node (Wait is not supported and is treated as a rejection).</summary>
public interface IPermitPlugin : IPlugin
{
    Status? Permit(CycleState state, PodInfo pod, string nodeName);
}
