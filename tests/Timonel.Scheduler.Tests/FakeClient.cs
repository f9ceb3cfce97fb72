using System.Collections.Concurrent;
using k8s.Models;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Tests;

/// <summary>Records what the scheduler wrote instead of calling an API.</summary>
internal sealed class FakeClient : ISchedulerClient
{
    public ConcurrentDictionary<string, string> Bindings { get; } = new();

    public ConcurrentQueue<V1Pod> Deleted { get; } = new();

    public ConcurrentQueue<(string Pod, string Reason, string Message, string? Nominated)> Failures { get; } = new();

    public bool FailBinds { get; set; }

    public Task BindAsync(V1Pod pod, string nodeName, CancellationToken cancellationToken)
    {
        if (FailBinds)
        {
            throw new InvalidOperationException("binding refused");
        }

        Bindings[pod.Metadata.Name] = nodeName;
        return Task.CompletedTask;
    }

    public Task DeletePodAsync(V1Pod pod, V1Pod preemptor, string nodeName, CancellationToken cancellationToken)
    {
        Deleted.Enqueue(pod);
        return Task.CompletedTask;
    }

    public Task RecordFailureAsync(V1Pod pod, string reason, string message, string? nominatedNodeName, CancellationToken cancellationToken)
    {
        Failures.Enqueue((pod.Metadata.Name, reason, message, nominatedNodeName));
        return Task.CompletedTask;
    }
}
