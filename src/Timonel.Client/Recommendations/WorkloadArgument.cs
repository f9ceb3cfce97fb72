namespace Timonel.Client.Recommendations;

/// <summary>
/// The workload argument of `timonel recommend` in kubectl's TYPE/NAME form (deploy/web,
/// statefulset/db, cj/nightly, pod/x), read into the kind the server takes.
/// </summary>
public static class WorkloadArgument
{
    private static readonly Dictionary<string, string> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["deploy"] = "Deployment", ["deployment"] = "Deployment", ["deployments"] = "Deployment", ["deployment.apps"] = "Deployment", ["deployments.apps"] = "Deployment",
        ["sts"] = "StatefulSet", ["statefulset"] = "StatefulSet", ["statefulsets"] = "StatefulSet", ["statefulset.apps"] = "StatefulSet", ["statefulsets.apps"] = "StatefulSet",
        ["ds"] = "DaemonSet", ["daemonset"] = "DaemonSet", ["daemonsets"] = "DaemonSet", ["daemonset.apps"] = "DaemonSet", ["daemonsets.apps"] = "DaemonSet",
        ["rs"] = "ReplicaSet", ["replicaset"] = "ReplicaSet", ["replicasets"] = "ReplicaSet", ["replicaset.apps"] = "ReplicaSet", ["replicasets.apps"] = "ReplicaSet",
        ["job"] = "Job", ["jobs"] = "Job", ["job.batch"] = "Job", ["jobs.batch"] = "Job",
        ["cj"] = "CronJob", ["cronjob"] = "CronJob", ["cronjobs"] = "CronJob", ["cronjob.batch"] = "CronJob", ["cronjobs.batch"] = "CronJob",
        ["po"] = "Pod", ["pod"] = "Pod", ["pods"] = "Pod",
    };

    /// <summary>"Kind/name" for the server, or an error a person can act on.</summary>
    public static bool TryParse(string text, out string kindAndName, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        kindAndName = "";
        error = "";
        var parts = text.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = $"\"{text}\" is not TYPE/NAME, such as deploy/web or sts/db";
            return false;
        }

        if (!Kinds.TryGetValue(parts[0], out var kind))
        {
            error = $"\"{parts[0]}\" is not a workload type: use deploy, sts, ds, rs, job, cj or pod";
            return false;
        }

        kindAndName = $"{kind}/{parts[1]}";
        return true;
    }
}
