using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// The writes the scheduler makes to the cluster. The API host implements it over the REST API
/// (pods/binding, pods/status, events, pod deletion); the in-memory benchmark and tests with fakes.
/// </summary>
public interface ISchedulerClient
{
    /// <summary>POST pods/{name}/binding. Throws when the API refuses (the pod is then forgotten and retried).</summary>
    Task BindAsync(V1Pod pod, string nodeName, CancellationToken cancellationToken);

    /// <summary>Deletes a preemption victim of <paramref name="preemptor"/>, which is to run on <paramref name="nodeName"/>.</summary>
    Task DeletePodAsync(V1Pod pod, V1Pod preemptor, string nodeName, CancellationToken cancellationToken);

    /// <summary>
    /// Records a failed attempt: PodScheduled=False with <paramref name="reason"/> (Unschedulable or
    /// SchedulerError) and <paramref name="message"/>, status.nominatedNodeName when preemption
    /// nominated one, and a FailedScheduling Warning event.
    /// </summary>
    Task RecordFailureAsync(V1Pod pod, string reason, string message, string? nominatedNodeName, CancellationToken cancellationToken);
}
