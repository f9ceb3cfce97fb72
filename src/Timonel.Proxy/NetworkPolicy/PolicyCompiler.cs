using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;

namespace Timonel.Proxy.NetworkPolicy;

/// <summary>
/// Compiles NetworkPolicies into the rules of one node, with upstream's semantics: a pod selected
/// by any policy of a policy type is isolated for that direction, and what it may do is the union
/// of the rules of all those policies; a rule allows a connection when it matches one of its peers
/// and one of its ports (an absent list matches everything). Only this node's pods get chains
/// (each node guards its own pods, both directions); peers are pods of every node.
/// </summary>
public static class PolicyCompiler
{
    /// <summary>The label the API server puts on every Namespace (upstream sets it too).</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    public static PolicyRuleset Compile(IEnumerable<V1NetworkPolicy> policies, IEnumerable<V1Pod> pods, IEnumerable<V1Namespace> namespaces, string nodeName)
    {
        var context = new Context(pods.Select(PolicyPod.From).OfType<PolicyPod>(), namespaces);
        var ruleset = new PolicyRuleset();
        var ingress = new Dictionary<string, (PolicyPod Pod, List<string> Rules)>(StringComparer.Ordinal);
        var egress = new Dictionary<string, (PolicyPod Pod, List<string> Rules)>(StringComparer.Ordinal);
        foreach (var policy in policies.OrderBy(p => p.Metadata?.NamespaceProperty, StringComparer.Ordinal).ThenBy(p => p.Metadata?.Name, StringComparer.Ordinal))
        {
            try
            {
                CompilePolicy(policy, context, nodeName, ingress, egress);
            }
            catch (PolicyException e)
            {
                ruleset.Errors.Add(new PolicyError(policy.Metadata?.NamespaceProperty ?? "", policy.Metadata?.Name ?? "", e.Message));
            }
        }

        Emit(ingress, ruleset.IngressPods, ruleset, PolicyNames.IngressChain);
        Emit(egress, ruleset.EgressPods, ruleset, PolicyNames.EgressChain);
        return ruleset;
    }

    private static void Emit(Dictionary<string, (PolicyPod Pod, List<string> Rules)> isolated, SortedDictionary<string, string> map, PolicyRuleset ruleset, Func<string, string, string> chainName)
    {
        foreach (var (ip, (pod, rules)) in isolated)
        {
            var chain = chainName(pod.Namespace, pod.Name);
            ruleset.Chains[chain] = [.. rules.Distinct(StringComparer.Ordinal), "drop"];
            map[ip] = chain;
        }
    }

    private static void CompilePolicy(V1NetworkPolicy policy, Context context, string nodeName, Dictionary<string, (PolicyPod, List<string>)> ingress, Dictionary<string, (PolicyPod, List<string>)> egress)
    {
        var ns = policy.Metadata?.NamespaceProperty ?? "";
        var spec = policy.Spec ?? throw new PolicyException("spec is missing");
        var selector = Selector(spec.PodSelector ?? new V1LabelSelector(), "spec.podSelector");
        var types = spec.PolicyTypes is { Count: > 0 } given
            ? given
            : spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];
        foreach (var type in types)
        {
            if (type is not ("Ingress" or "Egress"))
            {
                throw new PolicyException($"spec.policyTypes: unsupported value \"{type}\": supported values: \"Ingress\", \"Egress\"");
            }
        }

        // Compile the rules once (they are the same for every selected pod, but for named ports).
        var ingressRules = types.Contains("Ingress") ? (spec.Ingress ?? []).Select((r, i) => CompiledRule.Create(r.FromProperty, r.Ports, ns, context, "saddr", $"spec.ingress[{i}]")).ToList() : null;
        var egressRules = types.Contains("Egress") ? (spec.Egress ?? []).Select((r, i) => CompiledRule.Create(r.To, r.Ports, ns, context, "daddr", $"spec.egress[{i}]")).ToList() : null;
        foreach (var pod in context.PodsIn(ns))
        {
            if (pod.NodeName != nodeName || !selector.Matches(pod.Labels))
            {
                continue;
            }

            if (ingressRules is not null)
            {
                var rules = Isolate(ingress, pod);
                foreach (var rule in ingressRules)
                {
                    rules.AddRange(rule.IngressRules(pod));
                }
            }

            if (egressRules is not null)
            {
                var rules = Isolate(egress, pod);
                foreach (var rule in egressRules)
                {
                    rules.AddRange(rule.EgressRules());
                }
            }
        }
    }

    private static List<string> Isolate(Dictionary<string, (PolicyPod Pod, List<string> Rules)> isolated, PolicyPod pod)
    {
        if (!isolated.TryGetValue(pod.Ip, out var entry))
        {
            isolated[pod.Ip] = entry = (pod, []);
        }

        return entry.Rules;
    }

    internal static LabelSelector Selector(V1LabelSelector selector, string field)
    {
        try
        {
            return LabelSelector.From(selector);
        }
        catch (ApiException e)
        {
            throw new PolicyException($"{field}: {e.Message}");
        }
    }

    /// <summary>The pods and namespaces a compilation reads, indexed once.</summary>
    internal sealed class Context
    {
        private readonly Dictionary<string, List<PolicyPod>> _podsByNamespace = new(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _namespaceLabels = new(StringComparer.Ordinal);

        public Context(IEnumerable<PolicyPod> pods, IEnumerable<V1Namespace> namespaces)
        {
            foreach (var pod in pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
            {
                if (!_podsByNamespace.TryGetValue(pod.Namespace, out var list))
                {
                    _podsByNamespace[pod.Namespace] = list = [];
                }

                list.Add(pod);
                All.Add(pod);
            }

            foreach (var ns in namespaces)
            {
                if (ns.Metadata?.Name is { } name)
                {
                    // The name label is always there upstream; a namespace written before it was is matched by it too.
                    var labels = new Dictionary<string, string>(ns.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal) { [NamespaceNameLabel] = name };
                    _namespaceLabels[name] = labels;
                }
            }
        }

        public List<PolicyPod> All { get; } = [];

        public IReadOnlyList<PolicyPod> PodsIn(string ns) => _podsByNamespace.TryGetValue(ns, out var list) ? list : [];

        public IEnumerable<string> NamespacesMatching(LabelSelector selector)
        {
            // A namespace whose object is not (yet) known has only its name label.
            foreach (var ns in _podsByNamespace.Keys)
            {
                var labels = _namespaceLabels.TryGetValue(ns, out var known) ? known : new Dictionary<string, string> { [NamespaceNameLabel] = ns };
                if (selector.Matches(labels))
                {
                    yield return ns;
                }
            }
        }
    }
}

/// <summary>A NetworkPolicy the compiler cannot turn into rules.</summary>
public sealed class PolicyException(string message) : Exception(message);
