using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// core/v1 pods: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES.
/// STATUS follows upstream's printPod: the phase (or status.reason), overridden by init container
/// progress ("Init:1/3", "Init:CrashLoopBackOff"), then by the last container's waiting or terminated
/// reason, then by "Terminating" (or "Unknown" for a pod lost with its node) once deletion started.
/// </summary>
internal sealed class PodTable : ITableConvertor
{
    private const string NodeUnreachablePodReason = "NodeLost";

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        CommonColumns.Text("Status", "The aggregate status of the containers in this pod."),
        CommonColumns.Text("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        CommonColumns.Age,
        CommonColumns.Wide("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
        CommonColumns.Wide("Node", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName."),
        CommonColumns.Wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods."),
        CommonColumns.Wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\"."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var status = At(obj, "status");
        var summary = Summarize(obj);

        var restarts = Int(summary.Restarts);
        if (summary.Restarts != 0 && summary.LastRestart is { } last)
        {
            restarts = $"{restarts} ({HumanDuration.Since(last, now)} ago)";
        }

        var podIp = Objects(At(status, "podIPs")).Select(ip => Str(ip["ip"])).FirstOrDefault() ?? Str(At(status, "podIP"));
        return
        [
            Name(obj),
            $"{summary.Ready}/{summary.Total}",
            summary.Reason,
            restarts,
            Age(obj, now),
            string.IsNullOrEmpty(podIp) ? "<none>" : podIp,
            Str(At(spec, "nodeName"), "<none>"),
            Str(At(status, "nominatedNodeName"), "<none>"),
            ReadinessGates(spec, status),
        ];
    }

    /// <summary>The READY counts, STATUS reason and restart figures of a pod.</summary>
    internal static PodSummary Summarize(JsonObject pod)
    {
        var spec = At(pod, "spec");
        var status = At(pod, "status");
        var conditions = Objects(At(status, "conditions")).ToList();
        var phase = Str(At(status, "phase")) ?? "";
        var reason = Str(At(status, "reason"), phase);
        if (conditions.Any(c => Str(c["type"]) == "PodScheduled" && Str(c["reason"]) == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var initSpecs = Objects(At(spec, "initContainers")).ToList();
        var restartableInit = initSpecs
            .Where(c => Str(c["restartPolicy"]) == "Always")
            .Select(c => Str(c["name"]) ?? "")
            .ToHashSet(StringComparer.Ordinal);
        var total = Count(At(spec, "containers")) + restartableInit.Count;
        var ready = 0;
        long restarts = 0;
        long restartableRestarts = 0;
        DateTimeOffset? lastRestart = null;
        DateTimeOffset? lastRestartableRestart = null;

        var initializing = false;
        var index = 0;
        foreach (var container in Objects(At(status, "initContainerStatuses")))
        {
            var restartable = restartableInit.Contains(Str(container["name"]) ?? "");
            var count = Long(container["restartCount"]) ?? 0;
            var finished = Time(At(container, "lastState", "terminated", "finishedAt"));
            restarts += count;
            lastRestart = Latest(lastRestart, finished);
            if (restartable)
            {
                restartableRestarts += count;
                lastRestartableRestart = Latest(lastRestartableRestart, finished);
            }

            var terminated = At(container, "state", "terminated") as JsonObject;
            var waitingReason = Str(At(container, "state", "waiting", "reason")) ?? "";
            if (terminated is not null && (Long(terminated["exitCode"]) ?? 0) == 0)
            {
                index++;
                continue;
            }

            if (restartable && Bool(container["started"]) == true)
            {
                if (Bool(container["ready"]) == true)
                {
                    ready++;
                }

                index++;
                continue;
            }

            if (terminated is not null)
            {
                reason = "Init:" + TerminatedReason(terminated);
            }
            else if (waitingReason.Length > 0 && waitingReason != "PodInitializing")
            {
                reason = "Init:" + waitingReason;
            }
            else
            {
                reason = $"Init:{index}/{initSpecs.Count}";
            }

            initializing = true;
            break;
        }

        var initialized = conditions.FirstOrDefault(c => Str(c["type"]) == "Initialized") is { } init && Str(init["status"]) == "True";
        if (!initializing || initialized)
        {
            // Once initialized, only sidecar (restartable init) restarts still count.
            restarts = restartableRestarts;
            lastRestart = lastRestartableRestart;
            var hasRunning = false;
            foreach (var container in Objects(At(status, "containerStatuses")).Reverse())
            {
                restarts += Long(container["restartCount"]) ?? 0;
                lastRestart = Latest(lastRestart, Time(At(container, "lastState", "terminated", "finishedAt")));
                var waitingReason = Str(At(container, "state", "waiting", "reason")) ?? "";
                var terminated = At(container, "state", "terminated") as JsonObject;
                if (waitingReason.Length > 0)
                {
                    reason = waitingReason;
                }
                else if (terminated is not null)
                {
                    reason = TerminatedReason(terminated);
                }
                else if (Bool(container["ready"]) == true && At(container, "state", "running") is JsonObject)
                {
                    hasRunning = true;
                    ready++;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                var podReady = conditions.Any(c => Str(c["type"]) == "Ready" && Str(c["status"]) == "True");
                reason = podReady ? "Running" : "NotReady";
            }
        }

        if (IsDeleting(pod))
        {
            if (Str(At(status, "reason")) == NodeUnreachablePodReason)
            {
                reason = "Unknown";
            }
            else if (phase is not ("Succeeded" or "Failed"))
            {
                reason = "Terminating";
            }
        }

        return new PodSummary(ready, total, reason, restarts, lastRestart);
    }

    private static string TerminatedReason(JsonObject terminated)
    {
        if (Str(terminated["reason"]) is { Length: > 0 } reason)
        {
            return reason;
        }

        var signal = Long(terminated["signal"]) ?? 0;
        return signal != 0 ? $"Signal:{signal}" : $"ExitCode:{Long(terminated["exitCode"]) ?? 0}";
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a > b ? a : b);

    private static string ReadinessGates(JsonNode? spec, JsonNode? status)
    {
        var gates = Objects(At(spec, "readinessGates")).ToList();
        if (gates.Count == 0)
        {
            return "<none>";
        }

        var conditions = Objects(At(status, "conditions")).ToList();
        var met = gates.Count(g =>
            conditions.FirstOrDefault(c => Str(c["type"]) == Str(g["conditionType"])) is { } c && Str(c["status"]) == "True");
        return $"{met}/{gates.Count}";
    }
}

/// <summary>What the READY, STATUS and RESTARTS cells of a pod are computed from.</summary>
internal sealed record PodSummary(int Ready, int Total, string Reason, long Restarts, DateTimeOffset? LastRestart);
