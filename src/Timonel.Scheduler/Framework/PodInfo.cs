using k8s.Models;
using Timonel.Api.Errors;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// A pod with what the scheduler derives from it once, so the hot path never re-parses
/// quantities or selectors: requests, host ports, compiled affinity terms. Immutable; an update
/// of the pod makes a new PodInfo.
/// </summary>
public sealed class PodInfo
{
    private static readonly Dictionary<string, string> NoLabels = [];

    public PodInfo(V1Pod pod)
        : this(pod, pod.Spec?.Priority ?? 0)
    {
    }

    /// <summary>A PodInfo with an explicit priority (resolved from its PriorityClass when spec.priority is unset).</summary>
    public PodInfo(V1Pod pod, int priority)
    {
        Pod = pod;
        Namespace = pod.Metadata?.NamespaceProperty ?? "default";
        Name = pod.Metadata?.Name ?? string.Empty;
        Key = KeyOf(pod);
        Labels = ReadOnlyLabels(pod.Metadata?.Labels);
        Priority = priority;
        Requests = PodRequests.Compute(pod, nonZero: false);
        NonZeroRequests = PodRequests.Compute(pod, nonZero: true);
        HostPorts = HostPortsOf(pod);
        var affinity = pod.Spec?.Affinity;
        List<string>? errors = null;
        RequiredAffinityTerms = Compile("requiredAffinityTerms", () => Terms(pod, affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution), ref errors);
        RequiredAntiAffinityTerms = Compile("requiredAntiAffinityTerms", () => Terms(pod, affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution), ref errors);
        PreferredAffinityTerms = Compile("preferredAffinityTerms", () => Weighted(pod, affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution), ref errors);
        PreferredAntiAffinityTerms = Compile("preferredAntiAffinityTerms", () => Weighted(pod, affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution), ref errors);
        ParseError = errors is null ? null : errors.Count == 1 ? errors[0] : $"[{string.Join(", ", errors)}]";
    }

    public V1Pod Pod { get; }

    /// <summary>The cache key: the UID, or namespace/name for a pod without one.</summary>
    public string Key { get; }

    public string Namespace { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public int Priority { get; }

    public Resource Requests { get; }

    /// <summary>Requests with upstream's defaults for missing CPU/memory (used by scoring).</summary>
    public Resource NonZeroRequests { get; }

    public IReadOnlyList<HostPort> HostPorts { get; }

    public IReadOnlyList<AffinityTerm> RequiredAffinityTerms { get; }

    public IReadOnlyList<AffinityTerm> RequiredAntiAffinityTerms { get; }

    public IReadOnlyList<AffinityTerm> PreferredAffinityTerms { get; }

    public IReadOnlyList<AffinityTerm> PreferredAntiAffinityTerms { get; }

    /// <summary>
    /// Why some affinity terms could not be compiled (an invalid label selector), as upstream's
    /// NewPodInfo error; those groups of terms are empty. InterPodAffinity refuses such a pod.
    /// </summary>
    public string? ParseError { get; }

    public bool HasAffinity => RequiredAffinityTerms.Count + RequiredAntiAffinityTerms.Count + PreferredAffinityTerms.Count + PreferredAntiAffinityTerms.Count > 0;

    public string NodeName => Pod.Spec?.NodeName ?? string.Empty;

    public static string KeyOf(V1Pod pod) =>
        pod.Metadata?.Uid is { Length: > 0 } uid ? uid : $"{pod.Metadata?.NamespaceProperty}/{pod.Metadata?.Name}";

    /// <summary>Labels as the read-only map the selector engine takes (a Dictionary already is one).</summary>
    public static IReadOnlyDictionary<string, string> ReadOnlyLabels(IDictionary<string, string>? labels) => labels switch
    {
        null => NoLabels,
        IReadOnlyDictionary<string, string> map => map,
        _ => new Dictionary<string, string>(labels, StringComparer.Ordinal),
    };

    // Upstream's getAffinityTerms: an invalid selector makes the whole group empty, and the error is kept.
    private static AffinityTerm[] Compile(string group, Func<AffinityTerm[]> compile, ref List<string>? errors)
    {
        try
        {
            return compile();
        }
        catch (ApiException e)
        {
            (errors ??= []).Add($"{group}: {e.Message}");
            return [];
        }
    }

    private static AffinityTerm[] Terms(V1Pod pod, IList<V1PodAffinityTerm>? terms) =>
        terms is null || terms.Count == 0 ? [] : [.. terms.Select(t => new AffinityTerm(pod, t))];

    private static AffinityTerm[] Weighted(V1Pod pod, IList<V1WeightedPodAffinityTerm>? terms) =>
        terms is null || terms.Count == 0 ? [] : [.. terms.Select(t => new AffinityTerm(pod, t.PodAffinityTerm, t.Weight))];

    private static HostPort[] HostPortsOf(V1Pod pod)
    {
        List<HostPort>? ports = null;
        foreach (var c in (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []))
        {
            foreach (var p in c.Ports ?? [])
            {
                if (p.HostPort is int hp && hp > 0)
                {
                    (ports ??= []).Add(new HostPort(string.IsNullOrEmpty(p.HostIP) ? HostPort.AnyIp : p.HostIP, p.Protocol ?? "TCP", hp));
                }
            }
        }

        return ports is null ? [] : [.. ports];
    }
}

/// <summary>A host port a pod claims: IP ("0.0.0.0" for any), protocol and port.</summary>
public readonly record struct HostPort(string Ip, string Protocol, int Port)
{
    public const string AnyIp = "0.0.0.0";

    /// <summary>Two claims conflict on the same protocol and port when either IP is the wildcard or they are equal.</summary>
    public bool ConflictsWith(HostPort other) =>
        Port == other.Port && Protocol == other.Protocol && (Ip == AnyIp || other.Ip == AnyIp || Ip == other.Ip);
}
