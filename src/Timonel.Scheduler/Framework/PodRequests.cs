using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// What a pod asks of a node, as upstream's resourcehelper.PodRequests: the sum of app containers
/// and restartable (sidecar) init containers, at least the largest regular init container (plus
/// the sidecars started before it), plus the pod overhead.
/// </summary>
public static class PodRequests
{
    /// <summary>CPU the scheduler assumes for a container that requests none (scoring only), in millicores.</summary>
    public const long DefaultMilliCpuRequest = 100;

    /// <summary>Memory the scheduler assumes for a container that requests none (scoring only), 200 MiB.</summary>
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    /// <summary>
    /// The pod's requests counting in-place resize as upstream 1.33 (UseStatusResources): a
    /// container counts the larger of its spec requests and the requests it runs with
    /// (status.containerStatuses[].resources), or only the latter while the resize is Infeasible.
    /// </summary>
    public static Resource Compute(V1Pod pod, bool nonZero)
    {
        var statuses = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? [])
            .Where(s => s.Resources is not null)
            .GroupBy(s => s.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Resources.Requests, StringComparer.Ordinal);
        if (statuses.Count == 0)
        {
            return Compute(pod.Spec, nonZero);
        }

        var infeasible = pod.Status?.Conditions?.Any(c => c.Type == "PodResizePending" && c.Status == "True" && c.Reason == "Infeasible") == true;
        // Regular init containers are never resized: their spec is what they ran with.
        var regularInit = (pod.Spec?.InitContainers ?? []).Where(c => c.RestartPolicy != "Always").Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return Compute(pod.Spec, nonZero, c => regularInit.Contains(c.Name) || !statuses.TryGetValue(c.Name, out var running)
            ? c.Resources?.Requests
            : infeasible ? running : Max(c.Resources?.Requests, running));
    }

    /// <summary>The pod's requests; with <paramref name="nonZero"/>, missing CPU/memory requests count as the defaults above.</summary>
    public static Resource Compute(V1PodSpec? spec, bool nonZero) => Compute(spec, nonZero, c => c.Resources?.Requests);

    private static Resource Compute(V1PodSpec? spec, bool nonZero, Func<V1Container, IDictionary<string, ResourceQuantity>?> requestsOf)
    {
        var total = new Resource();
        if (spec is null)
        {
            return total;
        }

        foreach (var c in spec.Containers ?? [])
        {
            total.Add(ContainerRequests(requestsOf(c), nonZero));
        }

        var sidecars = new Resource();
        var initMax = new Resource();
        foreach (var c in spec.InitContainers ?? [])
        {
            var req = ContainerRequests(requestsOf(c), nonZero);
            if (c.RestartPolicy == "Always")
            {
                total.Add(req);
                sidecars.Add(req);
                initMax.SetMax(sidecars);
            }
            else
            {
                var withSidecars = sidecars.Clone();
                withSidecars.Add(req);
                initMax.SetMax(withSidecars);
            }
        }

        total.SetMax(initMax);
        total.Add(spec.Overhead);
        return total;
    }

    /// <summary>Each resource at the larger of the two lists.</summary>
    private static Dictionary<string, ResourceQuantity>? Max(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        if (a is null || b is null)
        {
            return (a ?? b) is { } only ? new Dictionary<string, ResourceQuantity>(only) : null;
        }

        var result = new Dictionary<string, ResourceQuantity>(a);
        foreach (var (name, q) in b)
        {
            if (!result.TryGetValue(name, out var mine) || q.ToDecimal() > mine.ToDecimal())
            {
                result[name] = q;
            }
        }

        return result;
    }

    private static Resource ContainerRequests(IDictionary<string, ResourceQuantity>? requests, bool nonZero)
    {
        var r = Resource.From(requests);
        if (nonZero)
        {
            if (requests is null || !requests.ContainsKey(Resource.Cpu))
            {
                r.MilliCpu = DefaultMilliCpuRequest;
            }

            if (requests is null || !requests.ContainsKey(Resource.MemoryName))
            {
                r.Memory = DefaultMemoryRequest;
            }
        }

        return r;
    }
}
