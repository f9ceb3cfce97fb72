using k8s.Models;
using Timonel.Api.Validation;

namespace Timonel.Kubelet.Pods;

/// <summary>What the node can give pods: allocatable cpu in millicores and memory in bytes.</summary>
public sealed record NodeAllocatable(long MilliCpu, long MemoryBytes)
{
    /// <summary>From a Node's status.allocatable; null when it names neither cpu nor memory.</summary>
    public static NodeAllocatable? From(IDictionary<string, ResourceQuantity>? allocatable) =>
        allocatable is not null && allocatable.TryGetValue("cpu", out var cpu) && allocatable.TryGetValue("memory", out var memory)
            ? new NodeAllocatable(Quantity.MilliValue(cpu), Quantity.Value(memory))
            : null;
}

/// <summary>The outcome of checking a pod's desired resources against what the kubelet allocated.</summary>
/// <param name="Accepted">The allocation changed to the desired resources in this call.</param>
/// <param name="PendingReason">"Infeasible" or "Deferred" when the resize waits (upstream's PodResizePending reasons).</param>
/// <param name="PendingMessage">Why, as upstream words it.</param>
public sealed record ResizeDecision(bool Accepted, string? PendingReason, string? PendingMessage)
{
    public static readonly ResizeDecision None = new(false, null, null);
}

/// <summary>
/// The node's allocated resources per pod and container (upstream's allocation manager, KEP-1287):
/// a pod's containers get their spec's requests and limits when the kubelet first sees it; a later
/// change of the spec (a resize) is allocated only when the node fits it: more than the node's
/// allocatable is Infeasible, more than what the other pods leave is Deferred (tried again on every
/// sync). Containers always start with the allocated resources, never the desired ones. Kept in
/// memory; after an agent restart a pod's allocation is read back from its status
/// (allocatedResources and resources), which the kubelet itself wrote.
/// </summary>
public sealed class ResourceAllocations(Func<NodeAllocatable?> allocatable)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, V1ResourceRequirements>> _pods = new(StringComparer.Ordinal);

    /// <summary>No fit check: for nodes whose allocatable the kubelet does not know.</summary>
    public ResourceAllocations()
        : this(() => null)
    {
    }

    /// <summary>The allocated requirements of one container (a copy), or null when the pod has none yet.</summary>
    public V1ResourceRequirements? For(string podUid, string container)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(podUid, out var pod) && pod.TryGetValue(container, out var r) ? Copy(r) : null;
        }
    }

    /// <summary>
    /// Makes sure the pod has an allocation (first sight: its status's if the kubelet wrote one
    /// before a restart, else its spec's), then, when the spec asks for other cpu or memory,
    /// allocates it if the node fits it.
    /// </summary>
    public ResizeDecision Reconcile(V1Pod pod)
    {
        var uid = pod.Metadata.Uid;
        var desired = Desired(pod);
        lock (_lock)
        {
            if (!_pods.TryGetValue(uid, out var current))
            {
                _pods[uid] = FromStatus(pod, desired);
                current = _pods[uid];
            }

            if (desired.All(d => current.TryGetValue(d.Key, out var a) && SameCpuMemory(a, d.Value)))
            {
                return ResizeDecision.None;
            }

            if (allocatable() is { } node)
            {
                var (cpu, memory) = PodRequests(pod.Spec, desired);
                if (cpu > node.MilliCpu || memory > node.MemoryBytes)
                {
                    var what = memory > node.MemoryBytes
                        ? $"memory, requested: {memory}, capacity: {node.MemoryBytes}"
                        : $"cpu, requested: {cpu}, capacity: {node.MilliCpu}";
                    return new ResizeDecision(false, "Infeasible", "Node didn't have enough capacity: " + what);
                }

                long usedCpu = 0, usedMemory = 0;
                foreach (var (otherUid, other) in _pods)
                {
                    if (otherUid != uid)
                    {
                        var (c, m) = PodRequests(null, other);
                        usedCpu += c;
                        usedMemory += m;
                    }
                }

                if (usedCpu + cpu > node.MilliCpu)
                {
                    return new ResizeDecision(false, "Deferred", $"Node didn't have enough resource: cpu, requested: {cpu}, used: {usedCpu}, capacity: {node.MilliCpu}");
                }

                if (usedMemory + memory > node.MemoryBytes)
                {
                    return new ResizeDecision(false, "Deferred", $"Node didn't have enough resource: memory, requested: {memory}, used: {usedMemory}, capacity: {node.MemoryBytes}");
                }
            }

            _pods[uid] = desired;
            return new ResizeDecision(true, null, null);
        }
    }

    /// <summary>The pod left the node or finished: its resources are free for others.</summary>
    public void Release(string podUid)
    {
        lock (_lock)
        {
            _pods.Remove(podUid);
        }
    }

    /// <summary>Whether two requirements ask for the same cpu and memory (requests and limits).</summary>
    public static bool SameCpuMemory(V1ResourceRequirements? a, V1ResourceRequirements? b)
    {
        foreach (var name in new[] { "cpu", "memory" })
        {
            if (Amount(a?.Requests, name) != Amount(b?.Requests, name) || Amount(a?.Limits, name) != Amount(b?.Limits, name))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="resource"/> ("cpu" or "memory") differs between the two, in requests or limits.</summary>
    public static bool Differs(V1ResourceRequirements? a, V1ResourceRequirements? b, string resource) =>
        Amount(a?.Requests, resource) != Amount(b?.Requests, resource) || Amount(a?.Limits, resource) != Amount(b?.Limits, resource);

    public static V1ResourceRequirements Copy(V1ResourceRequirements? r) => new()
    {
        Requests = r?.Requests is null ? null : new Dictionary<string, ResourceQuantity>(r.Requests),
        Limits = r?.Limits is null ? null : new Dictionary<string, ResourceQuantity>(r.Limits),
    };

    /// <summary>Every container's spec resources, app containers and init containers alike.</summary>
    private static Dictionary<string, V1ResourceRequirements> Desired(V1Pod pod) =>
        (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? [])
            .ToDictionary(c => c.Name, c => Copy(c.Resources), StringComparer.Ordinal);

    /// <summary>
    /// A restarted agent's view of a pod it ran before: requests from allocatedResources and limits
    /// from resources where its status has them, the spec's elsewhere.
    /// </summary>
    private static Dictionary<string, V1ResourceRequirements> FromStatus(V1Pod pod, Dictionary<string, V1ResourceRequirements> desired)
    {
        var result = new Dictionary<string, V1ResourceRequirements>(desired, StringComparer.Ordinal);
        foreach (var status in (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []))
        {
            if (status.AllocatedResources is { Count: > 0 } allocated && result.ContainsKey(status.Name))
            {
                result[status.Name] = new V1ResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity>(allocated),
                    Limits = status.Resources?.Limits is { } limits ? new Dictionary<string, ResourceQuantity>(limits) : null,
                };
            }
        }

        return result;
    }

    /// <summary>
    /// A pod's cpu (millicores) and memory (bytes) requests as the scheduler counts them: app
    /// containers and sidecars together, or the largest regular init container if that is more.
    /// With no spec at hand every container counts as an app container.
    /// </summary>
    private static (long Cpu, long Memory) PodRequests(V1PodSpec? spec, IReadOnlyDictionary<string, V1ResourceRequirements> resources)
    {
        var regularInit = (spec?.InitContainers ?? []).Where(c => c.RestartPolicy != "Always").Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        long cpu = 0, memory = 0, initCpu = 0, initMemory = 0;
        foreach (var (name, r) in resources)
        {
            var c = Request(r, "cpu", milli: true);
            var m = Request(r, "memory", milli: false);
            if (regularInit.Contains(name))
            {
                initCpu = Math.Max(initCpu, c);
                initMemory = Math.Max(initMemory, m);
            }
            else
            {
                cpu += c;
                memory += m;
            }
        }

        return (Math.Max(cpu, initCpu), Math.Max(memory, initMemory));
    }

    /// <summary>A request, defaulting to the limit as the API server defaults it.</summary>
    private static long Request(V1ResourceRequirements r, string name, bool milli)
    {
        var q = r.Requests?.TryGetValue(name, out var request) == true ? request : r.Limits?.TryGetValue(name, out var limit) == true ? limit : null;
        return q is null ? 0 : milli ? Quantity.MilliValue(q) : Quantity.Value(q);
    }

    private static decimal? Amount(IDictionary<string, ResourceQuantity>? list, string name) =>
        list?.TryGetValue(name, out var q) == true ? q.ToDecimal() : null;
}
