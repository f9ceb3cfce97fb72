using k8s;
using k8s.Models;
using Timonel.Testing;

namespace Timonel.Controllers.Tests.Job;

/// <summary>Jobs to create and a stand-in for the kubelet: tests finish pods through the status subresource.</summary>
internal static class JobTestKit
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    public static V1Job NewJob(string name, int? completions = 1, int? parallelism = 1, int? backoffLimit = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1JobSpec
        {
            Completions = completions,
            Parallelism = parallelism,
            BackoffLimit = backoffLimit,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = "Never",
                    Containers = [new V1Container { Name = "main", Image = "busybox" }],
                },
            },
        },
    };

    public static async Task<IList<V1Pod>> PodsAsync(IKubernetes client, string ns, string job, CancellationToken cancellationToken = default) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"batch.kubernetes.io/job-name={job}", cancellationToken: cancellationToken)).Items;

    public static bool IsActive(V1Pod pod) => pod.Status?.Phase is not ("Succeeded" or "Failed") && pod.Metadata.DeletionTimestamp is null;

    /// <summary>Ends the pod's only container with <paramref name="exitCode"/> (Succeeded on 0, else Failed), as a kubelet reports it.</summary>
    public static async Task FinishPodAsync(IKubernetes client, V1Pod pod, int exitCode, CancellationToken cancellationToken = default)
    {
        var fresh = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        fresh.Status ??= new V1PodStatus();
        fresh.Status.Phase = exitCode == 0 ? "Succeeded" : "Failed";
        fresh.Status.ContainerStatuses =
        [
            new V1ContainerStatus
            {
                Name = "main",
                Image = "busybox",
                ImageID = "",
                Ready = false,
                RestartCount = 0,
                State = new V1ContainerState
                {
                    Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = exitCode == 0 ? "Completed" : "Error", FinishedAt = DateTime.UtcNow },
                },
            },
        ];
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(fresh, fresh.Metadata.Name, fresh.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
    }

    /// <summary>Waits for the job's condition of <paramref name="type"/> to be True.</summary>
    public static Task<V1Job> WaitForConditionAsync(IKubernetes client, string ns, string name, string type) =>
        Eventually.WaitAsync(
            async ct =>
            {
                var job = await client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: ct);
                return job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true ? job : null;
            },
            WaitLimit,
            $"job {name} condition {type}");

    /// <summary>Waits until the job has at least <paramref name="count"/> active pods and returns them.</summary>
    public static Task<List<V1Pod>> WaitForActivePodsAsync(IKubernetes client, string ns, string job, int count) =>
        Eventually.WaitAsync(
            async ct =>
            {
                var active = (await PodsAsync(client, ns, job, ct)).Where(IsActive).ToList();
                return active.Count >= count ? active : null;
            },
            WaitLimit,
            $"{count} active pods of job {job}");
}
