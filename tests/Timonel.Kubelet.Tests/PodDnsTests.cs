using System.Net;
using k8s.Models;
using Timonel.Dns;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests;

public sealed class PodDnsTests
{
    private static readonly KubeletOptions Options = new() { DataDir = "/d", NodeName = "n", NodeIp = IPAddress.Parse("10.0.0.1") };
    private static readonly ResolvConf Host = new(["192.0.2.53"], ["corp.example"], ["ndots:1", "timeout:2"]);

    [Fact]
    public void Config_ClusterFirst_UsesClusterDnsSearchesAndNdots5()
    {
        var config = PodDns.Config(Pod("ClusterFirst"), Options, Host);

        Assert.Equal(["10.43.0.10"], config.Servers);
        Assert.Equal(["ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"], config.Searches);
        Assert.Equal(["ndots:5"], config.Options);
    }

    [Fact]
    public void Config_NoPolicy_DefaultsToClusterFirst() =>
        Assert.Equal(["10.43.0.10"], PodDns.Config(Pod(null), Options, Host).Servers);

    [Fact]
    public void Config_ClusterFirstOnHostNetwork_UsesNodeResolvers()
    {
        var pod = Pod("ClusterFirst");
        pod.Spec.HostNetwork = true;

        Assert.Equal(["192.0.2.53"], PodDns.Config(pod, Options, Host).Servers);
    }

    [Fact]
    public void Config_ClusterFirstWithHostNet_UsesClusterDns()
    {
        var pod = Pod("ClusterFirstWithHostNet");
        pod.Spec.HostNetwork = true;

        Assert.Equal(["10.43.0.10"], PodDns.Config(pod, Options, Host).Servers);
    }

    [Fact]
    public void Config_Default_CopiesNodeResolvConf()
    {
        var config = PodDns.Config(Pod("Default"), Options, Host);

        Assert.Equal(["192.0.2.53"], config.Servers);
        Assert.Equal(["corp.example"], config.Searches);
        Assert.Equal(["ndots:1", "timeout:2"], config.Options);
    }

    [Fact]
    public void Config_NoneWithDnsConfig_UsesOnlyThePodsConfig()
    {
        var pod = Pod("None");
        pod.Spec.DnsConfig = new V1PodDNSConfig
        {
            Nameservers = ["1.2.3.4"],
            Searches = ["my.example"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }, new V1PodDNSConfigOption { Name = "edns0" }],
        };

        var config = PodDns.Config(pod, Options, Host);

        Assert.Equal(["1.2.3.4"], config.Servers);
        Assert.Equal(["my.example"], config.Searches);
        Assert.Equal(["ndots:2", "edns0"], config.Options);
    }

    [Fact]
    public void Config_ClusterFirstWithDnsConfig_AppendsDeduplicatesAndOverridesOptions()
    {
        var pod = Pod("ClusterFirst");
        pod.Spec.DnsConfig = new V1PodDNSConfig
        {
            Nameservers = ["10.43.0.10", "1.1.1.1", "8.8.8.8", "9.9.9.9"],
            Searches = ["svc.cluster.local", "extra.example"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "1" }],
        };

        var config = PodDns.Config(pod, Options, Host);

        Assert.Equal(["10.43.0.10", "1.1.1.1", "8.8.8.8"], config.Servers);
        Assert.Equal(["ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "extra.example"], config.Searches);
        Assert.Equal(["ndots:1"], config.Options);
    }

    [Fact]
    public void Config_NoClusterDnsConfigured_FallsBackToNode() =>
        Assert.Equal(["192.0.2.53"], PodDns.Config(Pod("ClusterFirst"), Options with { ClusterDns = [] }, Host).Servers);

    [Fact]
    public void Hostname_SpecHostnameOrTruncatedPodName()
    {
        var named = Pod(null);
        named.Spec.Hostname = "db-0";
        named.Spec.Subdomain = "db";
        var longName = Pod(null);
        longName.Metadata.Name = new string('a', 62) + "-bcd";

        Assert.Equal("db-0", PodDns.Hostname(named));
        Assert.Equal("db.ns1.svc.cluster.local", PodDns.Domain(named, Options));
        Assert.Equal(new string('a', 62), PodDns.Hostname(longName));
        Assert.Null(PodDns.Domain(longName, Options));
    }

    private static V1Pod Pod(string? policy) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns1" },
        Spec = new V1PodSpec { DnsPolicy = policy, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };
}
