using k8s.Models;
using Timonel.Api.Validation;

namespace Timonel.Simulator;

/// <summary>Annotations that steer the simulator from tests: pod exits and node failures.</summary>
public static class SimulationAnnotations
{
    /// <summary>On a pod: a Go duration ("5s", "1m") after which its containers exit.</summary>
    public const string ExitAfter = "timonel.dev/sim-exit-after";

    /// <summary>On a pod: the exit code of that exit (default 0).</summary>
    public const string ExitCode = "timonel.dev/sim-exit-code";

    /// <summary>On a node: "stopped" stops its heartbeats (Lease and status) and its pod updates, as a lost kubelet.</summary>
    public const string Heartbeat = "timonel.dev/sim-heartbeat";

    public static bool HeartbeatStopped(V1Node node) =>
        node.Metadata?.Annotations is { } a && a.TryGetValue(Heartbeat, out var v) && string.Equals(v, "stopped", StringComparison.OrdinalIgnoreCase);

    /// <summary>The pod's exit-after duration; null when absent or not a valid non-negative Go duration.</summary>
    public static TimeSpan? ExitAfterOf(V1Pod pod) =>
        pod.Metadata?.Annotations is { } a && a.TryGetValue(ExitAfter, out var text) && GoDuration.TryParse(text.Trim(), out var d) && d >= TimeSpan.Zero
            ? d
            : null;

    /// <summary>The pod's exit code (default 0; an unparsable value counts as 1, a failure).</summary>
    public static int ExitCodeOf(V1Pod pod)
    {
        if (pod.Metadata?.Annotations is not { } a || !a.TryGetValue(ExitCode, out var text))
        {
            return 0;
        }

        return int.TryParse(text.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : 1;
    }
}
