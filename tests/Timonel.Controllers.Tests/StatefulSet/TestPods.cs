using k8s;
using k8s.Models;

namespace Timonel.Controllers.Tests.StatefulSet;

/// <summary>
/// Plays the kubelet's part for controller tests until the node simulator is on main: reports
/// pods Running and Ready (or Failed) through the status subresource and completes graceful deletions.
/// </summary>
internal static class TestPods
{
    public static async Task MarkRunningAndReadyAsync(IKubernetes client, string ns, string name)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = "Running";
        pod.Status.Conditions =
        [
            new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow },
            new V1PodCondition { Type = "ContainersReady", Status = "True", LastTransitionTime = DateTime.UtcNow },
        ];
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }

    public static async Task MarkFailedAsync(IKubernetes client, string ns, string name)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = "Failed";
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "False", LastTransitionTime = DateTime.UtcNow }];
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }

    /// <summary>What the kubelet does once a terminating pod has stopped: delete it with grace 0.</summary>
    public static Task FinishDeletionAsync(IKubernetes client, string ns, string name) =>
        client.CoreV1.DeleteNamespacedPodAsync(name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });

    public static async Task<IList<V1Pod>> ListAsync(IKubernetes client, string ns, CancellationToken cancellationToken = default) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken)).Items;

    /// <summary>Until disposed, marks every pod of the namespace Running and Ready and completes every graceful deletion.</summary>
    public static IAsyncDisposable KeepReady(IKubernetes client, string ns) => new Readier(client, ns);

    private sealed class Readier : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Readier(IKubernetes client, string ns) => _loop = Task.Run(() => LoopAsync(client, ns, _stop.Token));

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

        private static async Task LoopAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    foreach (var pod in await ListAsync(client, ns, cancellationToken))
                    {
                        if (pod.Metadata.DeletionTimestamp is not null)
                        {
                            await FinishDeletionAsync(client, ns, pod.Metadata.Name);
                        }
                        else if (pod.Status?.Phase != "Running" && pod.Status?.Phase != "Failed")
                        {
                            await MarkRunningAndReadyAsync(client, ns, pod.Metadata.Name);
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Races with the controller (a pod deleted meanwhile) are retried on the next pass.
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
