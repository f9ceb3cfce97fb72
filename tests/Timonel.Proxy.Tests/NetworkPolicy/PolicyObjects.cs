using k8s.Models;

namespace Timonel.Proxy.Tests.NetworkPolicy;

/// <summary>Builders of the Pods, Namespaces and NetworkPolicies the policy tests use.</summary>
internal static class PolicyObjects
{
    public static V1Pod Pod(string ns, string name, string? ip, string node, Dictionary<string, string>? labels = null, params (string Name, int Port, string Protocol)[] ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels ?? [] },
        Spec = new V1PodSpec
        {
            NodeName = node,
            AutomountServiceAccountToken = false,
            Containers =
            [
                new V1Container
                {
                    Name = "main",
                    Image = "docker.io/library/busybox:local",
                    Ports = ports.Length == 0 ? null : [.. ports.Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.Port, Protocol = p.Protocol })],
                },
            ],
        },
        Status = ip is null ? new V1PodStatus { Phase = "Pending" } : new V1PodStatus { Phase = "Running", PodIP = ip, PodIPs = [new V1PodIP { Ip = ip }] },
    };

    public static V1Namespace Namespace(string name, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
    };

    public static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);

    public static V1LabelSelector Select(params string[] pairs) => new() { MatchLabels = Labels(pairs) };

    public static V1NetworkPolicy Policy(string ns, string name, V1LabelSelector podSelector, string[]? types = null, IList<V1NetworkPolicyIngressRule>? ingress = null, IList<V1NetworkPolicyEgressRule>? egress = null) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1NetworkPolicySpec { PodSelector = podSelector, PolicyTypes = types, Ingress = ingress, Egress = egress },
    };

    public static V1NetworkPolicyIngressRule From(IList<V1NetworkPolicyPeer>? peers, params V1NetworkPolicyPort[] ports) =>
        new() { FromProperty = peers, Ports = ports.Length == 0 ? null : ports };

    public static V1NetworkPolicyEgressRule To(IList<V1NetworkPolicyPeer>? peers, params V1NetworkPolicyPort[] ports) =>
        new() { To = peers, Ports = ports.Length == 0 ? null : ports };

    public static V1NetworkPolicyPeer Pods(params string[] pairs) => new() { PodSelector = Select(pairs) };

    public static V1NetworkPolicyPeer Namespaces(params string[] pairs) => new() { NamespaceSelector = Select(pairs) };

    public static V1NetworkPolicyPeer PodsInNamespaces(string[] pods, string[] namespaces) => new() { PodSelector = Select(pods), NamespaceSelector = Select(namespaces) };

    public static V1NetworkPolicyPeer Block(string cidr, params string[] except) => new() { IpBlock = new V1IPBlock { Cidr = cidr, Except = except.Length == 0 ? null : except } };

    public static V1NetworkPolicyPort Port(int port, string protocol = "TCP", int? endPort = null) =>
        new() { Port = port, Protocol = protocol, EndPort = endPort };

    public static V1NetworkPolicyPort NamedPort(string name, string protocol = "TCP") =>
        new() { Port = name, Protocol = protocol };

    public static V1NetworkPolicyPort AnyPort(string protocol) => new() { Protocol = protocol };
}
