using k8s.Models;
using Timonel.Api.Validation;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>QoS class and the CRI Linux resources of containers, computed as upstream's kubelet does on cgroups.</summary>
public static class PodResources
{
    private const long CpuPeriod = 100_000;
    private const long MinShares = 2;

    public static string QosClass(V1PodSpec spec)
    {
        var containers = (spec.InitContainers ?? []).Concat(spec.Containers ?? []).ToList();
        var any = false;
        var guaranteed = true;
        foreach (var c in containers)
        {
            var requests = c.Resources?.Requests;
            var limits = c.Resources?.Limits;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var request = requests?.TryGetValue(resource, out var r) == true ? r : null;
                var limit = limits?.TryGetValue(resource, out var l) == true ? l : null;
                any |= request is not null || limit is not null;
                // An unset request defaults to the limit.
                if (limit is null || (request is not null && request.ToDecimal() != limit.ToDecimal()))
                {
                    guaranteed = false;
                }
            }
        }

        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    public static LinuxContainerResources ForContainer(V1Container container)
    {
        var requests = container.Resources?.Requests;
        var limits = container.Resources?.Limits;
        var cpuLimit = MilliCpu(limits, "cpu");
        var cpuRequest = MilliCpu(requests, "cpu") ?? cpuLimit;
        var resources = new LinuxContainerResources
        {
            CpuShares = cpuRequest is { } m ? Math.Max(MinShares, m * 1024 / 1000) : MinShares,
            CpuPeriod = CpuPeriod,
        };
        if (cpuLimit is { } limit)
        {
            // Upstream's minimum quota is 1 ms per period.
            resources.CpuQuota = Math.Max(1000, limit * CpuPeriod / 1000);
        }

        if (limits?.TryGetValue("memory", out var memory) == true)
        {
            resources.MemoryLimitInBytes = Quantity.Value(memory);
        }

        return resources;
    }

    private static long? MilliCpu(IDictionary<string, ResourceQuantity>? list, string name) =>
        list?.TryGetValue(name, out var q) == true ? Quantity.MilliValue(q) : null;
}
