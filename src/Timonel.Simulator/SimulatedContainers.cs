using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Simulator;

/// <summary>
/// How containers behave on a hollow node's in-memory runtime, where nothing executes: ordinary
/// init containers complete at once, app containers run until the pod's
/// <see cref="SimulationAnnotations.ExitAfter"/> has passed (then exit with its
/// <see cref="SimulationAnnotations.ExitCode"/>, on every run), and exec commands answer by name.
/// </summary>
internal static class SimulatedContainers
{
    /// <summary>When the container started now exits by itself; null: it runs until stopped.</summary>
    public static ContainerExit? ExitOf(PodDispatcher pods, PodSandboxConfig sandbox, ContainerConfig container)
    {
        var meta = sandbox.Metadata;
        if (pods.Get(meta.Namespace, meta.Name, meta.Uid) is not { } pod)
        {
            return null;
        }

        var name = container.Metadata.Name;
        if (container.Labels.TryGetValue(CriLabels.ContainerType, out var type) && type == "init")
        {
            // A sidecar (restartPolicy Always) keeps running; an ordinary init container is done.
            var sidecar = pod.Spec?.InitContainers?.FirstOrDefault(c => c.Name == name)?.RestartPolicy == "Always";
            return sidecar ? null : new ContainerExit(TimeSpan.Zero, 0);
        }

        return SimulationAnnotations.ExitAfterOf(pod) is { } after ? new ContainerExit(after, SimulationAnnotations.ExitCodeOf(pod)) : null;
    }

    /// <summary>
    /// Exec probes and hooks: <c>false</c> fails (exit 1), anything else succeeds with no output,
    /// so a readiness probe of <c>["false"]</c> makes a simulated pod unready.
    /// </summary>
    public static (int ExitCode, string Output)? ExecAnswer(IReadOnlyList<string> command) =>
        command.Count == 1 && command[0] is "false" or "/bin/false" ? (1, string.Empty) : null;
}
