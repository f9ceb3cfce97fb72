using k8s.Models;

namespace Timonel.Simulator;

/// <summary>
/// The pod statuses a kubelet reports at each step of a pod's life, built from the pod's current
/// status so that conditions written by others (DisruptionTarget, custom readiness gates) stay.
/// </summary>
internal static class PodStatusBuilder
{
    /// <summary>Pending, sandbox and containers being created.</summary>
    public static V1PodStatus Creating(V1Pod pod, string hostIp, DateTime now)
    {
        var status = Base(pod, hostIp, now);
        status.Phase = "Pending";
        var waiting = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } };
        status.InitContainerStatuses = InitStatuses(pod, now, started: false);
        status.ContainerStatuses = Containers(pod).Select(c => Container(c, pod, 0, waiting, null, ready: false)).ToList();
        var notReady = $"containers with unready status: [{string.Join(" ", Containers(pod).Select(c => c.Name))}]";
        SetConditions(status, now, [
            ("PodReadyToStartContainers", "False", null, null),
            ("Initialized", "True", null, null),
            ("Ready", "False", "ContainersNotReady", notReady),
            ("ContainersReady", "False", "ContainersNotReady", notReady),
            ("PodScheduled", "True", null, null)]);
        return status;
    }

    /// <summary>Running and ready; <paramref name="lastState"/> is the previous run after a restart.</summary>
    public static V1PodStatus Running(V1Pod pod, string hostIp, string podIp, DateTime startedAt, int restartCount, V1ContainerStateTerminated? lastState, DateTime now)
    {
        var status = Base(pod, hostIp, now);
        status.Phase = "Running";
        status.PodIP = podIp;
        status.PodIPs = [new V1PodIP { Ip = podIp }];
        status.InitContainerStatuses = InitStatuses(pod, startedAt, started: true);
        var running = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = startedAt } };
        var last = lastState is null ? null : new V1ContainerState { Terminated = lastState };
        status.ContainerStatuses = Containers(pod).Select(c => Container(c, pod, restartCount, running, last, ready: true)).ToList();
        SetConditions(status, now, [
            ("PodReadyToStartContainers", "True", null, null),
            ("Initialized", "True", null, null),
            ("Ready", "True", null, null),
            ("ContainersReady", "True", null, null),
            ("PodScheduled", "True", null, null)]);
        return status;
    }

    /// <summary>
    /// Every container exited with <paramref name="exitCode"/>; <paramref name="phase"/> is the
    /// terminal phase, or null to keep the current one (a pod being deleted).
    /// </summary>
    public static V1PodStatus Terminated(V1Pod pod, string hostIp, int exitCode, string? phase, DateTime now)
    {
        var status = Base(pod, hostIp, now);
        status.Phase = phase ?? pod.Status?.Phase ?? "Pending";
        status.PodIP = pod.Status?.PodIP;
        status.PodIPs = pod.Status?.PodIPs;
        status.InitContainerStatuses = pod.Status?.InitContainerStatuses;
        var previous = pod.Status?.ContainerStatuses ?? [];
        status.ContainerStatuses = Containers(pod).Select(c =>
        {
            var old = previous.FirstOrDefault(s => s.Name == c.Name);
            var terminated = new V1ContainerStateTerminated
            {
                ExitCode = exitCode,
                Reason = exitCode == 0 ? "Completed" : "Error",
                StartedAt = old?.State?.Running?.StartedAt ?? now,
                FinishedAt = now,
                ContainerID = old?.ContainerID ?? ContainerId(pod, c.Name, old?.RestartCount ?? 0),
            };
            return Container(c, pod, old?.RestartCount ?? 0, new V1ContainerState { Terminated = terminated }, old?.LastState, ready: false);
        }).ToList();
        var reason = phase is "Succeeded" or "Failed" ? "PodCompleted" : "ContainersNotReady";
        var message = reason == "PodCompleted" ? null : $"containers with unready status: [{string.Join(" ", Containers(pod).Select(c => c.Name))}]";
        SetConditions(status, now, [
            ("PodReadyToStartContainers", "False", null, null),
            ("Ready", "False", reason, message),
            ("ContainersReady", "False", reason, message)]);
        return status;
    }

    /// <summary>The terminated state a container leaves in lastState when it restarts.</summary>
    public static V1ContainerStateTerminated Exited(V1ContainerStatus old, int exitCode, DateTime now) => new()
    {
        ExitCode = exitCode,
        Reason = exitCode == 0 ? "Completed" : "Error",
        StartedAt = old.State?.Running?.StartedAt ?? now,
        FinishedAt = now,
        ContainerID = old.ContainerID,
    };

    public static bool IsReady(V1PodStatus? status) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status == "True";

    private static IEnumerable<V1Container> Containers(V1Pod pod) => pod.Spec?.Containers ?? [];

    private static V1PodStatus Base(V1Pod pod, string hostIp, DateTime now)
    {
        var old = pod.Status;
        var hostNetwork = pod.Spec?.HostNetwork == true;
        return new V1PodStatus
        {
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            StartTime = old?.StartTime ?? now,
            QosClass = old?.QosClass,
            Conditions = old?.Conditions?.ToList() ?? [],
            PodIP = hostNetwork ? hostIp : null,
            PodIPs = hostNetwork ? [new V1PodIP { Ip = hostIp }] : null,
            NominatedNodeName = old?.NominatedNodeName,
        };
    }

    private static List<V1ContainerStatus>? InitStatuses(V1Pod pod, DateTime at, bool started)
    {
        if (pod.Spec?.InitContainers is not { Count: > 0 } inits)
        {
            return null;
        }

        return inits.Select(c =>
        {
            // Sidecars (restartPolicy Always) keep running; ordinary init containers have completed.
            var sidecar = c.RestartPolicy == "Always";
            var state = sidecar
                ? started
                    ? new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = at } }
                    : new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "PodInitializing" } }
                : new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed", StartedAt = at, FinishedAt = at, ContainerID = ContainerId(pod, c.Name, 0) } };
            return Container(c, pod, 0, state, null, ready: !sidecar || started);
        }).ToList();
    }

    private static V1ContainerStatus Container(V1Container c, V1Pod pod, int restartCount, V1ContainerState state, V1ContainerState? lastState, bool ready)
    {
        var created = state.Waiting is null;
        return new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image,
            ImageID = created ? $"{c.Image}@sha256:{FakeAddresses.HexId("image/" + c.Image)}" : "",
            ContainerID = created ? state.Terminated?.ContainerID ?? ContainerId(pod, c.Name, restartCount) : null,
            Ready = ready,
            Started = state.Running is not null,
            RestartCount = restartCount,
            State = state,
            LastState = lastState ?? new V1ContainerState(),
        };
    }

    private static string ContainerId(V1Pod pod, string container, int restartCount) =>
        "sim://" + FakeAddresses.HexId($"{pod.Metadata.Uid}/{container}/{restartCount}");

    /// <summary>Upserts conditions; lastTransitionTime moves only when a status changes.</summary>
    private static void SetConditions(V1PodStatus status, DateTime now, IEnumerable<(string Type, string Status, string? Reason, string? Message)> wanted)
    {
        foreach (var (type, value, reason, message) in wanted)
        {
            var index = status.Conditions.ToList().FindIndex(c => c.Type == type);
            var old = index >= 0 ? status.Conditions[index] : null;
            var condition = new V1PodCondition
            {
                Type = type,
                Status = value,
                Reason = reason,
                Message = message,
                LastProbeTime = null,
                LastTransitionTime = old?.Status == value && old.LastTransitionTime is { } t ? t : now,
            };
            if (index >= 0)
            {
                status.Conditions[index] = condition;
            }
            else
            {
                status.Conditions.Add(condition);
            }
        }
    }
}
