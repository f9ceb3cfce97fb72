using System.Globalization;
using k8s;
using k8s.Models;

namespace Timonel.Controllers.CronJob;

/// <summary>The Job a CronJob starts for one scheduled time: its name, annotations and owner.</summary>
internal static class CronJobJobs
{
    /// <summary>"&lt;cronjob&gt;-&lt;scheduled time in minutes since the epoch&gt;", so one schedule time makes at most one Job.</summary>
    public static string JobName(V1CronJob cronJob, DateTimeOffset scheduled) =>
        $"{cronJob.Metadata.Name}-{(scheduled.ToUnixTimeSeconds() / 60).ToString(CultureInfo.InvariantCulture)}";

    public static V1Job FromTemplate(V1CronJob cronJob, string name, DateTimeOffset scheduled, TimeZoneInfo zone)
    {
        var template = KubernetesJson.Deserialize<V1JobTemplateSpec>(KubernetesJson.Serialize(cronJob.Spec.JobTemplate));
        var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [CronJobController.ScheduledTimestampAnnotation] = Rfc3339(TimeZoneInfo.ConvertTime(scheduled, zone)),
        };
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = cronJob.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels,
                Annotations = annotations,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "CronJob", Name = cronJob.Metadata.Name, Uid = cronJob.Metadata.Uid, BlockOwnerDeletion = true, Controller = true }],
            },
            Spec = template.Spec,
        };
    }

    /// <summary>Go's time.RFC3339: "Z" for UTC, else the numeric offset.</summary>
    internal static string Rfc3339(DateTimeOffset time) =>
        time.Offset == TimeSpan.Zero
            ? time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
