using k8s.Models;

namespace Timonel.Proxy.NetworkPolicy;

/// <summary>A container port as a NetworkPolicy's named port resolves it.</summary>
public sealed record NamedPort(string Name, string Protocol, int Number);

/// <summary>
/// What the policy compiler needs of a Pod. Only pods that policies can see are made: with an
/// IPv4 pod IP, not on the host network (upstream leaves those alone, as selected pods and as
/// peers) and not finished (their IP may already be someone else's).
/// </summary>
public sealed record PolicyPod(string Namespace, string Name, string Ip, string? NodeName, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<NamedPort> Ports)
{
    private static readonly Dictionary<string, string> NoLabels = [];

    public static PolicyPod? From(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Spec?.HostNetwork == true || pod.Status?.Phase is "Succeeded" or "Failed" || !Cidr.IsIpv4(pod.Status?.PodIP))
        {
            return null;
        }

        var ports = new List<NamedPort>();
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (!string.IsNullOrEmpty(port.Name))
                {
                    ports.Add(new NamedPort(port.Name, (port.Protocol ?? "TCP").ToLowerInvariant(), port.ContainerPort));
                }
            }
        }

        return new PolicyPod(pod.Metadata?.NamespaceProperty ?? "", pod.Metadata?.Name ?? "", pod.Status!.PodIP, pod.Spec?.NodeName, pod.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : NoLabels, ports);
    }
}
