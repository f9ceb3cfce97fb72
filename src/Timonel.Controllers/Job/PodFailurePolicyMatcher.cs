using k8s.Models;

namespace Timonel.Controllers.Job;

/// <summary>What a pod failure policy says about one failed pod: the action of the first matching rule.</summary>
internal static class PodFailurePolicyMatcher
{
    public const string FailJob = "FailJob";
    public const string Ignore = "Ignore";
    public const string Count = "Count";

    /// <summary>The matching rule's action and, for FailJob, the Job's failure message; null when no rule matches.</summary>
    public static (string Action, string Message)? Match(V1PodFailurePolicy? policy, V1Pod pod)
    {
        if (policy?.Rules is not { } rules)
        {
            return null;
        }

        for (var index = 0; index < rules.Count; index++)
        {
            var rule = rules[index];
            if (rule.OnExitCodes is { } codes && MatchExitCodes(codes, pod) is { } container)
            {
                return (rule.Action, $"Container {container.Name} for pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} failed with exit code {container.State.Terminated.ExitCode} matching {rule.Action} rule at index {index}");
            }

            if (rule.OnPodConditions is { Count: > 0 } patterns && MatchConditions(patterns, pod) is { } condition)
            {
                return (rule.Action, $"Pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} has condition {condition} matching {rule.Action} rule at index {index}");
            }
        }

        return null;
    }

    private static V1ContainerStatus? MatchExitCodes(V1PodFailurePolicyOnExitCodesRequirement requirement, V1Pod pod)
    {
        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);
        foreach (var status in statuses)
        {
            if (requirement.ContainerName is { } name && name != status.Name)
            {
                continue;
            }

            // Exit code 0 never counts as a failure; NotIn matches only real failures.
            if (status.State?.Terminated is not { ExitCode: var code and not 0 })
            {
                continue;
            }

            var listed = requirement.Values?.Contains(code) == true;
            if (requirement.OperatorProperty == "In" ? listed : requirement.OperatorProperty == "NotIn" && !listed)
            {
                return status;
            }
        }

        return null;
    }

    private static string? MatchConditions(IList<V1PodFailurePolicyOnPodConditionsPattern> patterns, V1Pod pod)
    {
        foreach (var pattern in patterns)
        {
            var wanted = pattern.Status ?? "True";
            if (pod.Status?.Conditions?.Any(c => c.Type == pattern.Type && c.Status == wanted) == true)
            {
                return pattern.Type;
            }
        }

        return null;
    }
}
