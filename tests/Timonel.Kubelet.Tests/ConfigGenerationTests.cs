using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Node;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Runtime;

namespace Timonel.Kubelet.Tests;

public sealed class ConfigGenerationTests
{
    [Fact]
    public void ContainerdConfig_Render_KeepsEverythingUnderDataDirAndSetsRequiredOptions()
    {
        var paths = new ContainerdPaths("/data/agent");
        var toml = ContainerdConfig.Render(paths, new CgroupLayout(CgroupVersion.V1, Systemd: false), "docker.io/timonel/pause:1.0", "/usr/lib/cni");

        Assert.Contains("root = \"/data/agent/containerd/root\"", toml, StringComparison.Ordinal);
        Assert.Contains("state = \"/data/agent/containerd/state\"", toml, StringComparison.Ordinal);
        Assert.Contains("address = \"/data/agent/containerd/containerd.sock\"", toml, StringComparison.Ordinal);
        Assert.Contains("restrict_oom_score_adj = true", toml, StringComparison.Ordinal);
        Assert.Contains("sandbox_image = \"docker.io/timonel/pause:1.0\"", toml, StringComparison.Ordinal);
        Assert.Contains("path = \"/data/agent/containerd/opt\"", toml, StringComparison.Ordinal);
        Assert.Contains("Root = \"/data/agent/containerd/runc\"", toml, StringComparison.Ordinal);
        Assert.Contains("SystemdCgroup = false", toml, StringComparison.Ordinal);
        Assert.Contains("conf_dir = \"/data/agent/cni/net.d\"", toml, StringComparison.Ordinal);
        Assert.Contains("config_path = \"/data/agent/etc/containerd/certs.d\"", toml, StringComparison.Ordinal);
    }

    [Fact]
    public void ContainerdConfig_SystemdDriver_SetsSystemdCgroup()
    {
        var toml = ContainerdConfig.Render(new ContainerdPaths("/d"), new CgroupLayout(CgroupVersion.V2, Systemd: true), "p", "/usr/lib/cni");

        Assert.Contains("SystemdCgroup = true", toml, StringComparison.Ordinal);
    }

    [Fact]
    public void ContainerdConfig_Quote_EscapesTomlSpecials() =>
        Assert.Equal("\"a\\\"b\\\\c\"", ContainerdConfig.Quote("a\"b\\c"));

    [Fact]
    public void CniConfig_Render_BridgeHostLocalPortmapOnPodCidr()
    {
        var config = JsonNode.Parse(CniConfig.Render("10.42.3.0/24", "timonel0", "/data/cni"))!;

        Assert.Equal("1.0.0", (string?)config["cniVersion"]);
        var plugins = config["plugins"]!.AsArray();
        Assert.Equal("bridge", (string?)plugins[0]!["type"]);
        Assert.True((bool)plugins[0]!["isGateway"]!);
        Assert.Equal("10.42.3.0/24", (string?)plugins[0]!["ipam"]!["ranges"]![0]![0]!["subnet"]);
        Assert.Equal("host-local", (string?)plugins[0]!["ipam"]!["type"]);
        Assert.Equal("portmap", (string?)plugins[1]!["type"]);
    }

    [Theory]
    [InlineData("not-a-cidr")]
    [InlineData("fd00::/64")]
    [InlineData("10.0.0.0/31")]
    public void CniConfig_BadPodCidr_Throws(string cidr) =>
        Assert.Throws<ArgumentException>(() => CniConfig.Render(cidr, "b", "/d"));

    [Fact]
    public void PodCidrAllocator_SkipsTakenRanges()
    {
        Assert.Equal("10.42.0.0/24", PodCidrAllocator.Allocate("10.42.0.0/16", []));
        Assert.Equal("10.42.2.0/24", PodCidrAllocator.Allocate("10.42.0.0/16", ["10.42.0.0/24", "10.42.1.0/24"]));
    }

    [Fact]
    public void PodCidrAllocator_Exhausted_Throws() =>
        Assert.Throws<InvalidOperationException>(() => PodCidrAllocator.Allocate("10.42.0.0/23", ["10.42.0.0/24", "10.42.1.0/24"]));

    [Fact]
    public void CgroupLayout_PodParent_PerQosAndDriver()
    {
        var fs = new CgroupLayout(CgroupVersion.V1, Systemd: false);
        var sd = new CgroupLayout(CgroupVersion.V2, Systemd: true);

        Assert.Equal("/kubepods/podab-cd", fs.PodParent("Guaranteed", "ab-cd"));
        Assert.Equal("/kubepods/burstable/podab-cd", fs.PodParent("Burstable", "ab-cd"));
        Assert.Equal("/kubepods/besteffort/podab-cd", fs.PodParent("BestEffort", "ab-cd"));
        Assert.Equal("kubepods-burstable-podab_cd.slice", sd.PodParent("Burstable", "ab-cd"));
    }

    [Fact]
    public void PodResources_LimitsBecomeSharesQuotaAndMemory()
    {
        var c = new V1Container
        {
            Name = "c",
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("128Mi") },
            },
        };

        var r = PodResources.ForContainer(c);

        Assert.Equal(256, r.CpuShares);
        Assert.Equal(100_000, r.CpuQuota);
        Assert.Equal(100_000, r.CpuPeriod);
        Assert.Equal(128L * 1024 * 1024, r.MemoryLimitInBytes);
    }

    [Fact]
    public void PodResources_QosClass_AsUpstream()
    {
        static V1PodSpec Spec(Dictionary<string, ResourceQuantity>? requests, Dictionary<string, ResourceQuantity>? limits) =>
            new() { Containers = [new V1Container { Name = "c", Resources = new V1ResourceRequirements { Requests = requests, Limits = limits } }] };
        var both = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("1Gi") };

        Assert.Equal("BestEffort", PodResources.QosClass(Spec(null, null)));
        Assert.Equal("Guaranteed", PodResources.QosClass(Spec(null, both)));
        Assert.Equal("Burstable", PodResources.QosClass(Spec(new() { ["cpu"] = new("500m") }, both)));
    }

    [Fact]
    public void EnvResolver_Expand_ReferencesEscapesAndUnknowns()
    {
        var values = new Dictionary<string, string> { ["A"] = "x" };

        Assert.Equal("x-x", EnvResolver.Expand("$(A)-$(A)", values));
        Assert.Equal("$(B)", EnvResolver.Expand("$(B)", values));
        Assert.Equal("$(A)", EnvResolver.Expand("$$(A)", values));
        Assert.Equal("cost $5", EnvResolver.Expand("cost $5", values));
    }

    [Fact]
    public void EnvResolver_FieldValue_ReadsPodFields()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns", Uid = "u", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { NodeName = "n1" },
        };

        Assert.Equal("web", EnvResolver.FieldValue(pod, "metadata.labels['app']", "10.42.0.9", "10.0.0.1"));
        Assert.Equal("10.42.0.9", EnvResolver.FieldValue(pod, "status.podIP", "10.42.0.9", "10.0.0.1"));
        Assert.Equal("n1", EnvResolver.FieldValue(pod, "spec.nodeName", null, "10.0.0.1"));
        Assert.Throws<InvalidOperationException>(() => EnvResolver.FieldValue(pod, "spec.bogus", null, "h"));
    }

    [Fact]
    public void NodeStatusBuilder_LowMemoryAndDownRuntime_ConditionsReflectIt()
    {
        var options = new KubeletOptions { DataDir = "/d", NodeName = "n", NodeIp = IPAddress.Parse("10.0.0.1") };
        var machine = new MachineInfo(2, 4L << 30, 100L << 30, "m", "6.1", "Debian");
        var health = new NodeHealth(false, "runtime down", 50L << 20, false, 100, 4_194_304);

        var status = NodeStatusBuilder.Build(options, machine, health, null, "containerd://1.6.20", DateTime.UtcNow);

        Assert.Equal("True", status.Conditions.Single(c => c.Type == "MemoryPressure").Status);
        Assert.Equal("False", status.Conditions.Single(c => c.Type == "DiskPressure").Status);
        Assert.Equal("False", status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal("110", status.Capacity["pods"].ToString());
        Assert.Equal("2", status.Capacity["cpu"].ToString());
        Assert.Equal("containerd://1.6.20", status.NodeInfo.ContainerRuntimeVersion);
        Assert.Contains(status.Addresses, a => a.Type == "InternalIP" && a.Address == "10.0.0.1");
    }
}
