using k8s.Models;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>The pure half of <see cref="PodSyncer"/>: what to do, from the spec and the runtime's view alone.</summary>
internal sealed partial class PodSyncer
{
    /// <summary>
    /// Upstream's computePodActions. Without volumes, or for a finished pod, nothing runs. Without a
    /// ready sandbox a new one is created (the dead ones stopped) unless the restart policy keeps
    /// the pod finished, and every app container that the policy restarts starts in it. With one,
    /// init containers run in order, each to success; then app containers start, are restarted
    /// per the restart policy, and a running one is killed when a probe failed or its spec changed.
    /// </summary>
    /// <param name="probeKill">Why a running app container's probes want it restarted; null when they do not.</param>
    /// <param name="waiting">Whether the last start of a container failed (it keeps its waiting reason instead of a retry).</param>
    public static PodActions ComputePodActions(
        V1Pod pod,
        IReadOnlyList<PodSandbox> sandboxes,
        IReadOnlyDictionary<string, List<ContainerRecord>> records,
        bool terminal,
        bool volumesReady,
        Func<V1Container, ContainerRecord, string?> probeKill,
        Func<string, bool> waiting)
    {
        var policy = pod.Spec.RestartPolicy ?? "Always";
        var ready = volumesReady ? sandboxes.Where(s => s.State == PodSandboxState.SandboxReady).MaxBy(s => s.CreatedAt) : null;
        if (!volumesReady || terminal)
        {
            return new PodActions { Sandbox = ready, Containers = Idle(pod, records) };
        }

        if (ready is not null)
        {
            return new PodActions { Sandbox = ready, Containers = Containers(pod, records, policy, sandboxChanged: false, probeKill, waiting) };
        }

        var attempt = sandboxes.Count == 0 ? 0u : sandboxes.Max(s => s.Metadata.Attempt) + 1;
        var anyStarted = records.Values.Any(l => l.Count > 0);
        var startable = (pod.Spec.Containers ?? []).Where(c => !(policy == "OnFailure" && Succeeded(records, c))).ToList();
        if ((policy == "Never" && attempt != 0 && anyStarted) || startable.Count == 0)
        {
            // The pod ran and its restart policy starts nothing again: no new sandbox for a finished pod.
            return new PodActions { Containers = Idle(pod, records) };
        }

        return new PodActions
        {
            KillPod = sandboxes.Count > 0,
            CreateSandbox = true,
            Attempt = attempt,
            Containers = Containers(pod, records, policy, sandboxChanged: sandboxes.Count > 0, probeKill, waiting),
        };
    }

    private static List<ContainerAction> Containers(
        V1Pod pod,
        IReadOnlyDictionary<string, List<ContainerRecord>> records,
        string policy,
        bool sandboxChanged,
        Func<V1Container, ContainerRecord, string?> probeKill,
        Func<string, bool> waiting)
    {
        var actions = new List<ContainerAction>();
        var initDone = true;
        foreach (var c in pod.Spec.InitContainers ?? [])
        {
            var action = Action(records, c, init: true);
            if (!initDone)
            {
                actions.Add(action);
                continue;
            }

            if (action.Current is { State: RecordState.Exited, ExitCode: 0 })
            {
                actions.Add(action with { Started = true });
                continue;
            }

            initDone = false;
            actions.Add(action.Current switch
            {
                { State: RecordState.Running or RecordState.Created or RecordState.Unknown } when !sandboxChanged => action with { Started = true },
                { State: RecordState.Exited } when policy == "Never" => action,
                _ => action with { Start = true },
            });
        }

        foreach (var c in pod.Spec.Containers ?? [])
        {
            var action = Action(records, c, init: false);
            actions.Add(!initDone ? action with { Blocked = true } : AppAction(action, policy, sandboxChanged, probeKill, waiting));
        }

        return actions;
    }

    private static ContainerAction AppAction(ContainerAction action, string policy, bool sandboxChanged, Func<V1Container, ContainerRecord, string?> probeKill, Func<string, bool> waiting)
    {
        var current = action.Current;
        if (sandboxChanged)
        {
            // The old sandbox took its containers with it: every container the policy restarts starts anew.
            return action with { Start = !(policy == "OnFailure" && current is { State: RecordState.Exited, ExitCode: 0 }) };
        }

        if (current is { State: RecordState.Running })
        {
            if (current.SpecHash is { } hash && hash != ContainerSpecHash.Of(action.Container))
            {
                // Restarted whatever the restart policy, as upstream does for a changed spec.
                return action with { KillReason = $"Container {action.Container.Name} definition changed, will be restarted", Start = true };
            }

            return probeKill(action.Container, current) is { } reason
                ? action with { KillReason = reason + (policy != "Never" ? ", will be restarted" : ", will not be restarted"), Start = policy != "Never" }
                : action with { Probed = true };
        }

        var restart = current is null || policy == "Always" || (policy == "OnFailure" && current.ExitCode != 0);

        // Created but never started (the agent died in between): start it over, unless its start failed and it keeps that reason.
        restart |= current is { State: RecordState.Created or RecordState.Unknown, StartedAt: null } && !waiting(action.Container.Name);
        return action with { Start = restart };
    }

    /// <summary>Every container as the runtime has it, with nothing to do.</summary>
    private static List<ContainerAction> Idle(V1Pod pod, IReadOnlyDictionary<string, List<ContainerRecord>> records) =>
    [
        .. (pod.Spec.InitContainers ?? []).Select(c => Action(records, c, init: true)),
        .. (pod.Spec.Containers ?? []).Select(c => Action(records, c, init: false)),
    ];

    private static ContainerAction Action(IReadOnlyDictionary<string, List<ContainerRecord>> records, V1Container c, bool init)
    {
        var list = records.GetValueOrDefault(c.Name) ?? [];
        return new ContainerAction(c, init, list.ElementAtOrDefault(0), list.ElementAtOrDefault(1));
    }

    private static bool Succeeded(IReadOnlyDictionary<string, List<ContainerRecord>> records, V1Container c) =>
        records.GetValueOrDefault(c.Name)?.FirstOrDefault() is { State: RecordState.Exited, ExitCode: 0 };
}
