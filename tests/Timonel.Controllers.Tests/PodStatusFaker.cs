using k8s;
using k8s.Models;

namespace Timonel.Controllers.Tests;

/// <summary>
/// Plays the kubelet for tests until the node simulator runs in the harness: every pod of one
/// namespace that <c>shouldRun</c> accepts is taken to Running with a Ready condition through the
/// status subresource, polled every 100 ms until disposed.
/// </summary>
public sealed class PodStatusFaker : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private PodStatusFaker(IKubernetes client, string ns, Func<V1Pod, bool> shouldRun)
    {
        _loop = Task.Run(() => LoopAsync(client, ns, shouldRun, _stop.Token));
    }

    public static PodStatusFaker Start(IKubernetes client, string ns, Func<V1Pod, bool>? shouldRun = null) => new(client, ns, shouldRun ?? (_ => true));

    /// <summary>Marks one pod Running and Ready now.</summary>
    public static async Task MarkReadyAsync(IKubernetes client, V1Pod pod, CancellationToken cancellationToken = default)
    {
        var now = DateTime.UtcNow;
        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            StartTime = now,
            Conditions =
            [
                new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "ContainersReady", Status = "True", LastTransitionTime = now },
                new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = now },
            ],
        };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
    }

    /// <summary>Sets a pod's phase (e.g. Failed) with no Ready condition.</summary>
    public static async Task SetPhaseAsync(IKubernetes client, V1Pod pod, string phase, CancellationToken cancellationToken = default)
    {
        pod.Status = new V1PodStatus { Phase = phase };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static async Task LoopAsync(IKubernetes client, string ns, Func<V1Pod, bool> shouldRun, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var pods = await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken);
                foreach (var pod in pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is null or "Pending" && shouldRun(p)))
                {
                    await MarkReadyAsync(client, pod, cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A pod deleted or changed under us: the next round sees the new state.
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
