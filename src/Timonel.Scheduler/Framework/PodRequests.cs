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

    /// <summary>The pod's requests; with <paramref name="nonZero"/>, missing CPU/memory requests count as the defaults above.</summary>
    public static Resource Compute(V1PodSpec? spec, bool nonZero)
    {
        var total = new Resource();
        if (spec is null)
        {
            return total;
        }

        foreach (var c in spec.Containers ?? [])
        {
            total.Add(ContainerRequests(c, nonZero));
        }

        var sidecars = new Resource();
        var initMax = new Resource();
        foreach (var c in spec.InitContainers ?? [])
        {
            var req = ContainerRequests(c, nonZero);
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

    private static Resource ContainerRequests(V1Container c, bool nonZero)
    {
        var requests = c.Resources?.Requests;
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
