using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Computes a pod's status from what the runtime reports, as upstream's kubelet does: phase,
/// the four conditions, init and app containerStatuses (state, lastState, restartCount, exit
/// codes and reasons), pod and host IPs, start time and QoS class.
/// </summary>
public static class PodStatusBuilder
{
    public static V1PodStatus Build(
        V1Pod pod,
        IReadOnlyDictionary<string, ContainerView> views,
        string? podIp,
        string hostIp,
        DateTime startTime,
        DateTime now,
        ResizeView? resize = null)
    {
        var spec = pod.Spec;
        var initStatuses = (spec.InitContainers ?? []).Select(c => resize.Apply(ContainerStatus(c, views.GetValueOrDefault(c.Name), init: true), views.GetValueOrDefault(c.Name))).ToList();
        var initialized = initStatuses.All(s => s.State?.Terminated is { ExitCode: 0 });
        var appStatuses = (spec.Containers ?? []).Select(c => resize.Apply(ContainerStatus(c, views.GetValueOrDefault(c.Name), init: !initialized), views.GetValueOrDefault(c.Name))).ToList();
        var phase = Phase(spec, initStatuses, appStatuses, initialized);
        var containersReady = initialized && appStatuses.Count > 0 && appStatuses.All(s => s.Ready);
        var old = pod.Status?.Conditions;
        var status = new V1PodStatus
        {
            Phase = phase,
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            PodIP = podIp,
            PodIPs = podIp is null ? null : [new V1PodIP { Ip = podIp }],
            StartTime = startTime,
            QosClass = PodResources.QosClass(spec),
            InitContainerStatuses = initStatuses.Count == 0 ? null : initStatuses,
            ContainerStatuses = appStatuses,
            Conditions =
            [
                Condition(old, "PodReadyToStartContainers", podIp is not null || spec.HostNetwork == true, null, now),
                Condition(old, "Initialized", initialized, initialized ? null : "ContainersNotInitialized", now, initialized ? null : $"containers with incomplete status: [{string.Join(' ', initStatuses.Where(s => s.State?.Terminated is not { ExitCode: 0 }).Select(s => s.Name))}]"),
                Condition(old, "Ready", containersReady && phase == "Running", containersReady ? (phase == "Running" ? null : "PodCompleted") : "ContainersNotReady", now, NotReadyMessage(appStatuses)),
                Condition(old, "ContainersReady", containersReady, containersReady ? null : "ContainersNotReady", now, NotReadyMessage(appStatuses)),
                Condition(old, "PodScheduled", true, null, now),
            ],
        };
        if (resize?.Pending is { } pending)
        {
            status.Conditions.Add(ResizeCondition(old, "PodResizePending", pending.Reason, pending.Message, now));
        }

        if (resize is { InProgress: true } || resize?.Error is not null)
        {
            status.Conditions.Add(ResizeCondition(old, "PodResizeInProgress", resize.Error is null ? null : "Error", resize.Error, now));
        }

        if (phase is "Succeeded" or "Failed")
        {
            // A finished pod is never ready, whatever its last probe said.
            foreach (var c in status.Conditions.Where(c => c.Type is "Ready" or "ContainersReady"))
            {
                c.Status = "False";
                c.Reason = "PodCompleted";
                c.Message = null;
            }
        }

        return status;
    }

    /// <param name="init">An init container, or an app container while the pod initializes (not yet created: PodInitializing).</param>
    public static V1ContainerStatus ContainerStatus(V1Container spec, ContainerView? view, bool init)
    {
        var status = new V1ContainerStatus
        {
            Name = spec.Name,
            Image = spec.Image,
            ImageID = view?.Current?.ImageRef ?? string.Empty,
            RestartCount = view?.Current?.RestartCount ?? view?.Previous?.RestartCount ?? 0,
            Ready = false,
            Started = false,
        };
        var current = view?.Current;
        if (view?.WaitingReason is { } reason)
        {
            status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = view.WaitingMessage } };
            var last = current is { State: RecordState.Exited } ? current : view.Previous;
            if (last is { State: RecordState.Exited })
            {
                status.LastState = new V1ContainerState { Terminated = Terminated(last) };
                status.ContainerID = null;
            }

            if (current is { State: RecordState.Exited })
            {
                // Upstream counts the instance that will be restarted into restartCount once it is replaced.
                status.RestartCount = current.RestartCount;
            }

            return status;
        }

        if (current is null)
        {
            status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = init ? "PodInitializing" : "ContainerCreating" } };
            return status;
        }

        status.ContainerID = "containerd://" + current.Id;
        switch (current.State)
        {
            case RecordState.Running:
                status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = current.StartedAt } };
                status.Started = view!.Started;
                status.Ready = view.Started && view.Ready && !init;
                break;
            case RecordState.Exited:
                status.State = new V1ContainerState { Terminated = Terminated(current) };
                break;
            default:
                status.State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } };
                break;
        }

        if (view!.Previous is { State: RecordState.Exited } previous)
        {
            status.LastState = new V1ContainerState { Terminated = Terminated(previous) };
        }

        return status;
    }

    /// <summary>Upstream's getPhase.</summary>
    public static string Phase(V1PodSpec spec, IReadOnlyList<V1ContainerStatus> init, IReadOnlyList<V1ContainerStatus> app, bool initialized)
    {
        var policy = spec.RestartPolicy ?? "Always";
        if (!initialized)
        {
            var failedInit = init.Any(s => s.State?.Terminated is { ExitCode: not 0 } || (s.State?.Waiting is not null && s.LastState?.Terminated is { ExitCode: not 0 }));
            return failedInit && policy == "Never" ? "Failed" : "Pending";
        }

        int waiting = 0, running = 0, stopped = 0, succeeded = 0;
        foreach (var s in app)
        {
            if (s.State?.Running is not null)
            {
                running++;
            }
            else if (s.State?.Terminated is { } t)
            {
                stopped++;
                if (t.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (s.State?.Waiting is not null && s.LastState?.Terminated is { } last)
            {
                stopped++;
                if (last.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else
            {
                waiting++;
            }
        }

        if (waiting > 0)
        {
            return "Pending";
        }

        if (running > 0)
        {
            return "Running";
        }

        if (stopped > 0)
        {
            return policy switch
            {
                "Always" => "Running",
                "OnFailure" => stopped == succeeded ? "Succeeded" : "Running",
                _ => stopped == succeeded ? "Succeeded" : "Failed",
            };
        }

        return "Pending";
    }

    private static V1ContainerStateTerminated Terminated(ContainerRecord record) => new()
    {
        ExitCode = record.ExitCode,
        Reason = string.IsNullOrEmpty(record.Reason) ? (record.ExitCode == 0 ? "Completed" : "Error") : record.Reason,
        Message = string.IsNullOrEmpty(record.Message) ? null : record.Message,
        StartedAt = record.StartedAt,
        FinishedAt = record.FinishedAt,
        ContainerID = "containerd://" + record.Id,
    };

    private static string? NotReadyMessage(IEnumerable<V1ContainerStatus> statuses)
    {
        var notReady = statuses.Where(s => !s.Ready).Select(s => s.Name).ToList();
        return notReady.Count == 0 ? null : $"containers with unready status: [{string.Join(' ', notReady)}]";
    }

    /// <summary>A resize condition (only ever True while it lasts): its lastTransitionTime is kept while it stays.</summary>
    private static V1PodCondition ResizeCondition(IList<V1PodCondition>? old, string type, string? reason, string? message, DateTime now) => new()
    {
        Type = type,
        Status = "True",
        Reason = reason,
        Message = message,
        LastTransitionTime = old?.FirstOrDefault(c => c.Type == type && c.Status == "True")?.LastTransitionTime ?? now,
    };

    /// <summary>lastTransitionTime moves only when the status flips.</summary>
    private static V1PodCondition Condition(IList<V1PodCondition>? old, string type, bool value, string? reason, DateTime now, string? message = null)
    {
        var status = value ? "True" : "False";
        var previous = old?.FirstOrDefault(c => c.Type == type);
        return new V1PodCondition
        {
            Type = type,
            Status = status,
            Reason = value ? null : reason,
            Message = value ? null : message,
            LastTransitionTime = previous is not null && previous.Status == status ? previous.LastTransitionTime : now,
        };
    }
}

/// <summary>
/// What a pod's status shows of in-place resize (1.33): per container the allocated requests
/// (allocatedResources) and the resources it runs with (resources: what the kubelet applied to
/// a running container, the allocation for any other), and the PodResizePending and
/// PodResizeInProgress conditions.
/// </summary>
/// <param name="Allocated">The allocated requirements of a container, by name.</param>
/// <param name="Applied">What a container instance was created or updated with, by container id.</param>
public sealed record ResizeView(
    Func<string, V1ResourceRequirements?> Allocated,
    Func<string, V1ResourceRequirements?> Applied,
    (string Reason, string Message)? Pending,
    bool InProgress,
    string? Error);

internal static class ResizeViewExtensions
{
    public static V1ContainerStatus Apply(this ResizeView? resize, V1ContainerStatus status, ContainerView? view)
    {
        if (resize?.Allocated(status.Name) is not { } allocated)
        {
            return status;
        }

        status.AllocatedResources = allocated.Requests is { Count: > 0 } requests ? new Dictionary<string, ResourceQuantity>(requests) : null;
        var running = view?.Current is { State: RecordState.Running } current ? resize.Applied(current.Id) : null;
        status.Resources = ResourceAllocations.Copy(running ?? allocated);
        return status;
    }
}
