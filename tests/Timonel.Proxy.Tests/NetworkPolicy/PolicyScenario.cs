using k8s;
using k8s.Models;
using Timonel.Proxy.Tests.Infrastructure;

namespace Timonel.Proxy.Tests.NetworkPolicy;

/// <summary>
/// One test's objects: namespaces it made, Pod objects naming topology pods (a1..a4 on node A,
/// b1, b2 on node B) and policies. Disposing deletes the pods and policies and waits until the
/// nodes dropped their rules, so the next test starts from open pods.
/// </summary>
internal sealed class PolicyScenario(PolicyFixture fixture) : IAsyncDisposable
{
    private readonly List<(string Namespace, string Name)> _pods = [];
    private readonly List<(string Namespace, string Name)> _policies = [];

    private IKubernetes Client => fixture.Cluster.Client;

    public async Task<string> NamespaceAsync(params string[] labels)
    {
        var name = fixture.Cluster.UniqueName("np");
        await Client.CoreV1.CreateNamespaceAsync(PolicyObjects.Namespace(name, PolicyObjects.Labels(labels)));
        return name;
    }

    /// <summary>Registers topology pod <paramref name="pod"/> as a Running Pod of <paramref name="ns"/> on its node.</summary>
    public async Task PodAsync(string ns, string pod, string[] labels, params (string Name, int Port, string Protocol)[] ports)
    {
        var node = pod.StartsWith('a') ? PolicyFixture.NodeA : PolicyFixture.NodeB;
        var ip = fixture.Topology.IpOf(pod);
        var created = PolicyObjects.Pod(ns, pod, ip, node, PolicyObjects.Labels(labels), ports);
        created.Status = null;
        await Client.CoreV1.CreateNamespacedPodAsync(created, ns);
        _pods.Add((ns, pod));
        var status = new V1Patch($"{{\"status\":{{\"phase\":\"Running\",\"podIP\":\"{ip}\",\"podIPs\":[{{\"ip\":\"{ip}\"}}]}}}}", V1Patch.PatchType.MergePatch);
        await Client.CoreV1.PatchNamespacedPodStatusAsync(status, pod, ns);
    }

    public async Task PolicyAsync(V1NetworkPolicy policy, bool settle = true)
    {
        await Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(policy, policy.Metadata.NamespaceProperty);
        _policies.Add((policy.Metadata.NamespaceProperty, policy.Metadata.Name));
        if (settle)
        {
            await fixture.SettledAsync();
        }
    }

    /// <summary>GETs port <paramref name="port"/> of topology pod <paramref name="to"/> from pod (or node namespace) <paramref name="from"/>.</summary>
    public Task<string?> GetAsync(string from, string to, int port = 8080) => GetAsync(fixture.Topology.NetnsOf(from), fixture.Topology.IpOf(to), port);

    public static Task<string?> GetAsync(Netns from, string ip, int port = 8080) => PolicyTopology.GetAsync(from, ip, port);

    public async ValueTask DisposeAsync()
    {
        foreach (var (ns, name) in _policies)
        {
            try
            {
                await Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(name, ns);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // The test deleted it itself.
            }
        }

        foreach (var (ns, name) in _pods)
        {
            await Client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: 0);
        }

        await fixture.SettledAsync();
    }
}
