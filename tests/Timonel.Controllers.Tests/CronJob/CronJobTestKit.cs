using k8s;
using k8s.Models;
using Timonel.Testing;

namespace Timonel.Controllers.Tests.CronJob;

internal static class CronJobTestKit
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    public static V1CronJob NewCronJob(string name, string schedule, string concurrencyPolicy = "Allow") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1CronJobSpec
        {
            Schedule = schedule,
            ConcurrencyPolicy = concurrencyPolicy,
            JobTemplate = new V1JobTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1JobSpec
                {
                    Template = new V1PodTemplateSpec
                    {
                        Spec = new V1PodSpec { RestartPolicy = "OnFailure", Containers = [new V1Container { Name = "main", Image = "busybox" }] },
                    },
                },
            },
        },
    };

    /// <summary>The start of the minute after <paramref name="time"/>.</summary>
    public static DateTimeOffset NextMinute(DateTimeOffset time) =>
        new DateTimeOffset(time.Year, time.Month, time.Day, time.Hour, time.Minute, 0, time.Offset).AddMinutes(1);

    public static string JobName(string cronJob, DateTimeOffset scheduled) => $"{cronJob}-{scheduled.ToUnixTimeSeconds() / 60}";

    public static async Task<IList<V1Job>> JobsAsync(IKubernetes client, string ns, CancellationToken cancellationToken = default) =>
        (await client.BatchV1.ListNamespacedJobAsync(ns, cancellationToken: cancellationToken)).Items;

    public static Task<V1Job> WaitForJobAsync(IKubernetes client, string ns, string name) =>
        Eventually.WaitAsync(async ct => (await JobsAsync(client, ns, ct)).FirstOrDefault(j => j.Metadata.Name == name), WaitLimit, $"job {name}");

    /// <summary>Marks a job finished through its status, as the job controller would.</summary>
    public static async Task FinishJobAsync(IKubernetes client, string ns, string name, bool succeeded = true)
    {
        var job = await client.BatchV1.ReadNamespacedJobAsync(name, ns);
        var now = DateTime.UtcNow;
        job.Status = new V1JobStatus
        {
            StartTime = job.Metadata.CreationTimestamp,
            CompletionTime = succeeded ? now : null,
            Succeeded = succeeded ? 1 : null,
            Failed = succeeded ? null : 1,
            Conditions =
            [
                new V1JobCondition { Type = succeeded ? "SuccessCriteriaMet" : "FailureTarget", Status = "True", LastTransitionTime = now },
                new V1JobCondition { Type = succeeded ? "Complete" : "Failed", Status = "True", LastTransitionTime = now },
            ],
        };
        await client.BatchV1.ReplaceNamespacedJobStatusAsync(job, name, ns);
    }
}
