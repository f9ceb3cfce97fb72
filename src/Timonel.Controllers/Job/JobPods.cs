using System.Globalization;
using k8s;
using k8s.Models;
using Timonel.Registry.Strategies;

namespace Timonel.Controllers.Job;

/// <summary>How the Job controller reads its pods (active, failed, index) and builds new ones from the template.</summary>
internal static class JobPods
{
    /// <summary>Keeps a finished pod until the controller counted it in the Job's status.</summary>
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";

    public const string CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";
    public const string CompletionIndexEnv = "JOB_COMPLETION_INDEX";

    public static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>Running or about to: not finished and not being deleted.</summary>
    public static bool IsActive(V1Pod pod) => !IsTerminal(pod) && pod.Metadata.DeletionTimestamp is null;

    public static bool IsTerminating(V1Pod pod) => !IsTerminal(pod) && pod.Metadata.DeletionTimestamp is not null;

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static bool HasTrackingFinalizer(V1Pod pod) => pod.Metadata.Finalizers?.Contains(TrackingFinalizer) == true;

    /// <summary>
    /// Upstream's isPodFailed: the Failed phase, or (unless only failed pods are replaced) a pod
    /// deleted before it finished, so orphaned pods that never reach a phase still count.
    /// </summary>
    public static bool IsFailed(V1Pod pod, V1Job job)
    {
        if (pod.Status?.Phase == "Failed")
        {
            return true;
        }

        if (job.Spec.PodFailurePolicy is not null || job.Spec.PodReplacementPolicy == "Failed")
        {
            return false;
        }

        return pod.Metadata.DeletionTimestamp is not null && pod.Status?.Phase != "Succeeded";
    }

    /// <summary>The completion index of a pod of an Indexed Job (annotation, else label); null when missing or malformed.</summary>
    public static int? IndexOf(V1Pod pod)
    {
        var text = pod.Metadata.Annotations?.TryGetValue(CompletionIndexAnnotation, out var a) == true ? a
            : pod.Metadata.Labels?.TryGetValue(CompletionIndexAnnotation, out var l) == true ? l
            : null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    /// <summary>A pod from the Job's template, owned by the Job and tracked by its finalizer; Indexed jobs pass the index.</summary>
    public static V1Pod Build(V1Job job, int? index)
    {
        var template = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(job.Spec.Template));
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var spec = template.Spec;
        var generateName = job.Metadata.Name + "-";
        if (index is { } i)
        {
            var text = i.ToString(CultureInfo.InvariantCulture);
            annotations[CompletionIndexAnnotation] = text;
            labels[CompletionIndexAnnotation] = text;
            generateName = $"{job.Metadata.Name}-{text}-";
            spec.Hostname = $"{job.Metadata.Name}-{text}";
            // The kubelet resolves the index from the annotation, as upstream's addCompletionIndexEnvVariables.
            foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
            {
                container.Env ??= [];
                if (container.Env.All(e => e.Name != CompletionIndexEnv))
                {
                    container.Env.Add(new V1EnvVar
                    {
                        Name = CompletionIndexEnv,
                        ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.annotations['{CompletionIndexAnnotation}']" } },
                    });
                }
            }
        }

        labels.TryAdd(JobStrategy.ControllerUidLabel, job.Metadata.Uid);
        labels.TryAdd(JobStrategy.JobNameLabel, job.Metadata.Name);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = generateName,
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = annotations.Count == 0 ? null : annotations,
                Finalizers = [TrackingFinalizer],
                OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = job.Metadata.Name, Uid = job.Metadata.Uid, BlockOwnerDeletion = true, Controller = true }],
            },
            Spec = spec,
        };
    }

    /// <summary>Active pods in the order upstream deletes surplus ones: unscheduled, then pending, then not ready, then newest.</summary>
    public static IEnumerable<V1Pod> InRemovalOrder(IEnumerable<V1Pod> pods) =>
        pods.OrderBy(p => string.IsNullOrEmpty(p.Spec?.NodeName) ? 0 : 1)
            .ThenBy(p => p.Status?.Phase == "Pending" || p.Status?.Phase is null ? 0 : 1)
            .ThenBy(p => IsReady(p) ? 1 : 0)
            .ThenByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue);
}
