using Timonel.Api.Validation;

namespace Timonel.Api.Nodes;

/// <summary>
/// The CPU and memory a pod on a simulated node pretends to use, read by the API server's
/// metrics collector (metrics.k8s.io) so that `kubectl top` and autoscalers can be tested on
/// nodes that run nothing. Each annotation holds a Kubernetes quantity: <see cref="Cpu"/> and
/// <see cref="Memory"/> set what every container of the pod uses, <c>timonel.dev/sim-cpu.NAME</c>
/// and <c>timonel.dev/sim-memory.NAME</c> (<see cref="CpuFor"/>, <see cref="MemoryFor"/>) set one
/// container and win over the pod-wide value. Absent means 0.
/// </summary>
public static class SimulatedUsage
{
    /// <summary>CPU in cores each container uses ("250m", "1.5").</summary>
    public const string Cpu = "timonel.dev/sim-cpu";

    /// <summary>Memory working set in bytes each container uses ("64Mi").</summary>
    public const string Memory = "timonel.dev/sim-memory";

    /// <summary>The annotation setting the CPU of one container.</summary>
    public static string CpuFor(string container) => $"{Cpu}.{container}";

    /// <summary>The annotation setting the memory of one container.</summary>
    public static string MemoryFor(string container) => $"{Memory}.{container}";

    /// <summary>
    /// The usage of <paramref name="container"/> from a pod's annotations: cores and bytes (bytes
    /// rounded up, as upstream's Quantity.Value). A value that is no quantity, or is negative,
    /// counts as absent and is named in <paramref name="invalid"/> (annotation key) so the caller
    /// can say so once.
    /// </summary>
    public static (decimal Cores, decimal Bytes) Of(IReadOnlyDictionary<string, string>? annotations, string container, out IReadOnlyList<string> invalid)
    {
        var bad = new List<string>();
        var cores = Read(annotations, CpuFor(container), bad) ?? Read(annotations, Cpu, bad) ?? 0m;
        var bytes = Read(annotations, MemoryFor(container), bad) ?? Read(annotations, Memory, bad) ?? 0m;
        invalid = bad;
        return (cores, decimal.Ceiling(bytes));
    }

    private static decimal? Read(IReadOnlyDictionary<string, string>? annotations, string key, List<string> bad)
    {
        if (annotations is null || !annotations.TryGetValue(key, out var text))
        {
            return null;
        }

        if (Quantity.TryParse(text, out var value) && value >= 0)
        {
            return value;
        }

        bad.Add(key);
        return null;
    }
}
