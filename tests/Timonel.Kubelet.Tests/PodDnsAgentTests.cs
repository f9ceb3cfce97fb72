using k8s;
using k8s.Models;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests;

/// <summary>Pods' resolv.conf by dnsPolicy, and names resolved from inside a pod through the agent's DNS server.</summary>
public sealed class PodDnsAgentTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    [RootFact]
    public async Task Sandbox_DnsPolicies_WriteExpectedResolvConf()
    {
        var clusterFirst = await StartAsync(SleepPod("cf", "ClusterFirst"));
        var none = SleepPod("none", "None");
        none.Spec.DnsConfig = new V1PodDNSConfig { Nameservers = ["10.77.0.53"], Searches = ["my.example"], Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }] };
        none = await StartAsync(none);
        var byDefault = await StartAsync(SleepPod("def", "Default"));

        var cf = await ExecAsync(clusterFirst, "cat", "/etc/resolv.conf");
        var nn = await ExecAsync(none, "cat", "/etc/resolv.conf");
        var df = await ExecAsync(byDefault, "cat", "/etc/resolv.conf");

        Assert.Contains("nameserver 10.43.0.10", cf, StringComparison.Ordinal);
        Assert.Contains($"search {clusterFirst.Metadata.NamespaceProperty}.svc.cluster.local svc.cluster.local cluster.local", cf, StringComparison.Ordinal);
        Assert.Contains("options ndots:5", cf, StringComparison.Ordinal);
        Assert.Contains("nameserver 10.77.0.53", nn, StringComparison.Ordinal);
        Assert.Contains("search my.example", nn, StringComparison.Ordinal);
        Assert.Contains("options ndots:2", nn, StringComparison.Ordinal);
        Assert.DoesNotContain("10.43.0.10", nn, StringComparison.Ordinal);
        var host = Timonel.Dns.ResolvConf.Read("/etc/resolv.conf");
        Assert.All(host.Nameservers.Take(3), n => Assert.Contains($"nameserver {n}", df, StringComparison.Ordinal));
        Assert.DoesNotContain("10.43.0.10", df, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Nslookup_ServiceNameFromPod_ResolvesThroughAgentDns()
    {
        // The fixture's node IP must exist in the node's network for the DNS server to bind it.
        fixture.Netns.Exec("sh", "-c", "ip addr show dev lo | grep -q 10.77.0.1/32 || ip addr add 10.77.0.1/32 dev lo");
        await fixture.Dns!.Listening.WaitAsync(TimeSpan.FromSeconds(30));
        var client = await StartAsync(SleepPod("client", "ClusterFirst"));
        var ns = client.Metadata.NamespaceProperty;
        var svc = await fixture.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
        }, ns);

        var output = await Eventually.WaitAsync(async _ =>
        {
            var text = await ExecAsync(client, "nslookup", $"web.{ns}.svc.cluster.local", "10.77.0.1");
            return text.Contains(svc.Spec.ClusterIP, StringComparison.Ordinal) ? text : null;
        }, TimeSpan.FromSeconds(30), "nslookup answers the ClusterIP");
        var slice = await fixture.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync("kube-dns-node-a", "kube-system");

        Assert.Contains(svc.Spec.ClusterIP, output, StringComparison.Ordinal);
        Assert.Equal("10.77.0.1", Assert.Single(Assert.Single(slice.Endpoints).Addresses));
    }

    private static V1Pod SleepPod(string name, string policy) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            DnsPolicy = policy,
            TerminationGracePeriodSeconds = 0,
            Containers = [new V1Container { Name = "main", Image = AgentFixture.BusyboxImage, Command = ["sleep", "3600"] }],
        },
    };

    private async Task<V1Pod> StartAsync(V1Pod pod)
    {
        var created = await fixture.CreatePodAsync(pod);
        return await fixture.WaitForPodAsync(created, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Running is not null, "pod running", TimeSpan.FromSeconds(60));
    }

    private async Task<string> ExecAsync(V1Pod pod, params string[] command)
    {
        var id = pod.Status.ContainerStatuses[0].ContainerID["containerd://".Length..];
        var request = new ExecSyncRequest { ContainerId = id, Timeout = 10 };
        request.Cmd.AddRange(command);
        var result = await fixture.Agent.Cri.Runtime.ExecSyncAsync(request);
        return result.Stdout.ToStringUtf8() + result.Stderr.ToStringUtf8();
    }
}
