using k8s;
using k8s.Models;
using Timonel.Kubelet.Pods;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests;

public sealed class ServiceEnvironmentTests
{
    [Fact]
    public void FromServices_MasterService_GivesUpstreamKubernetesVariables()
    {
        var env = ServiceEnvironment.FromServices([Service("default", "kubernetes", "10.43.0.1", ("https", 443, "TCP"))]);

        Assert.Equal(
            [
                new("KUBERNETES_SERVICE_HOST", "10.43.0.1"),
                new("KUBERNETES_SERVICE_PORT", "443"),
                new("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
                new("KUBERNETES_PORT", "tcp://10.43.0.1:443"),
                new("KUBERNETES_PORT_443_TCP", "tcp://10.43.0.1:443"),
                new("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
                new("KUBERNETES_PORT_443_TCP_PORT", "443"),
                new("KUBERNETES_PORT_443_TCP_ADDR", "10.43.0.1"),
            ],
            env);
    }

    [Fact]
    public void FromServices_DashedNamesAndSeveralPorts_UpperCasesAndDocksLinksEveryPort()
    {
        var env = ServiceEnvironment.FromServices([Service("app", "my-web", "10.43.7.8", (null, 80, null), ("dns-udp", 53, "UDP"))]).ToDictionary();

        Assert.Equal("10.43.7.8", env["MY_WEB_SERVICE_HOST"]);
        Assert.Equal("80", env["MY_WEB_SERVICE_PORT"]);
        Assert.Equal("53", env["MY_WEB_SERVICE_PORT_DNS_UDP"]);
        Assert.Equal("tcp://10.43.7.8:80", env["MY_WEB_PORT"]);
        Assert.Equal("tcp://10.43.7.8:80", env["MY_WEB_PORT_80_TCP"]);
        Assert.Equal("udp://10.43.7.8:53", env["MY_WEB_PORT_53_UDP"]);
        Assert.Equal("udp", env["MY_WEB_PORT_53_UDP_PROTO"]);
        Assert.Equal("53", env["MY_WEB_PORT_53_UDP_PORT"]);
        Assert.Equal("10.43.7.8", env["MY_WEB_PORT_53_UDP_ADDR"]);
        Assert.Equal(12, env.Count);
    }

    [Fact]
    public void FromServices_Ipv6ClusterIp_BracketsTheAddressInUrls()
    {
        var env = ServiceEnvironment.FromServices([Service("app", "v6", "fd00::10", ("http", 8080, "TCP"))]).ToDictionary();

        Assert.Equal("tcp://[fd00::10]:8080", env["V6_PORT"]);
        Assert.Equal("fd00::10", env["V6_PORT_8080_TCP_ADDR"]);
    }

    [Theory]
    [InlineData("None")]
    [InlineData("")]
    [InlineData(null)]
    public void FromServices_NoClusterIp_GivesNothing(string? clusterIp)
    {
        Assert.Empty(ServiceEnvironment.FromServices([Service("app", "headless", clusterIp, ("http", 80, "TCP"))]));
    }

    [Fact]
    public void Select_ServiceLinksOn_PodNamespaceAndMasterOnly()
    {
        var services = new[]
        {
            Service("default", "kubernetes", "10.43.0.1", ("https", 443, "TCP")),
            Service("default", "other", "10.43.0.2", ("http", 80, "TCP")),
            Service("app", "web", "10.43.0.3", ("http", 80, "TCP")),
            Service("elsewhere", "db", "10.43.0.4", ("sql", 5432, "TCP")),
            Service("app", "headless", "None", ("http", 80, "TCP")),
        };

        var selected = ServiceEnvironment.Select(services, "app", enableServiceLinks: true);

        Assert.Equal(["kubernetes", "web"], selected.Select(s => s.Metadata.Name));
    }

    [Fact]
    public void Select_ServiceLinksOff_OnlyTheMasterService()
    {
        var services = new[]
        {
            Service("app", "web", "10.43.0.3", ("http", 80, "TCP")),
            Service("default", "kubernetes", "10.43.0.1", ("https", 443, "TCP")),
        };

        Assert.Equal(["default/kubernetes"], ServiceEnvironment.Select(services, "app", enableServiceLinks: false).Select(Key));
        Assert.Equal(["default/kubernetes"], ServiceEnvironment.Select(services, "default", enableServiceLinks: false).Select(Key));
    }

    [Fact]
    public void Select_PodNamespaceHasItsOwnKubernetesService_ItWinsOverTheMaster()
    {
        var services = new[]
        {
            Service("default", "kubernetes", "10.43.0.1", ("https", 443, "TCP")),
            Service("app", "kubernetes", "10.43.0.9", ("http", 80, "TCP")),
        };

        Assert.Equal(["app/kubernetes"], ServiceEnvironment.Select(services, "app", enableServiceLinks: true).Select(Key));
        Assert.Equal(["default/kubernetes"], ServiceEnvironment.Select(services, "app", enableServiceLinks: false).Select(Key));
    }

    [Fact]
    public async Task ResolveAsync_ServicesInNamespace_ExplicitEnvWinsAndExpansionSeesServiceVariables()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.CreateNamespaceAsync("svcenv");
        await CreateServiceAsync(cluster, ns, "web-front", new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080 });
        var clusterIp = (await cluster.Client.CoreV1.ReadNamespacedServiceAsync("web-front", ns)).Spec.ClusterIP;
        var container = new V1Container
        {
            Name = "main",
            Image = "busybox",
            Env =
            [
                new V1EnvVar { Name = "WEB_FRONT_SERVICE_PORT", Value = "9999" },
                new V1EnvVar { Name = "URL", Value = "http://$(WEB_FRONT_SERVICE_HOST):$(WEB_FRONT_SERVICE_PORT)" },
            ],
        };

        var env = await new EnvResolver(cluster.Client).ResolveAsync(Pod(ns, container, enableServiceLinks: null), container, "10.42.0.5", "10.0.0.1", CancellationToken.None);

        var values = env.ToDictionary();
        Assert.Equal(env.Count, values.Count);
        Assert.Equal("9999", values["WEB_FRONT_SERVICE_PORT"]);
        Assert.Equal(clusterIp, values["WEB_FRONT_SERVICE_HOST"]);
        Assert.Equal($"http://{clusterIp}:9999", values["URL"]);
        Assert.Equal("80", values["WEB_FRONT_SERVICE_PORT_HTTP"]);
        Assert.Equal($"tcp://{clusterIp}:80", values["WEB_FRONT_PORT_80_TCP"]);
        // The container's own variables come first, as upstream lists them.
        Assert.Equal(["WEB_FRONT_SERVICE_PORT", "URL"], env.Take(2).Select(e => e.Key));
    }

    [Fact]
    public async Task ResolveAsync_ServiceLinksOff_OnlyKubernetesVariables()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.CreateNamespaceAsync("svcenv-off");
        await CreateServiceAsync(cluster, ns, "web", new V1ServicePort { Port = 80 });
        await EnsureMasterServiceAsync(cluster);
        var container = new V1Container { Name = "main", Image = "busybox" };

        var env = (await new EnvResolver(cluster.Client).ResolveAsync(Pod(ns, container, enableServiceLinks: false), container, null, "10.0.0.1", CancellationToken.None)).ToDictionary();

        Assert.DoesNotContain("WEB_SERVICE_HOST", env.Keys);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT_HTTPS"]);
        Assert.StartsWith("tcp://", env["KUBERNETES_PORT"], StringComparison.Ordinal);
    }

    private static async Task CreateServiceAsync(TestCluster cluster, string ns, string name, V1ServicePort port)
    {
        await cluster.Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1ServiceSpec { Ports = [port] } },
            ns);
    }

    /// <summary>The API server may already have made default/kubernetes; a test cluster without it gets one.</summary>
    private static async Task EnsureMasterServiceAsync(TestCluster cluster)
    {
        try
        {
            await cluster.Client.CoreV1.ReadNamespacedServiceAsync("kubernetes", "default");
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await CreateServiceAsync(cluster, "default", "kubernetes", new V1ServicePort { Name = "https", Port = 443, TargetPort = 6443 });
        }
    }

    private static V1Pod Pod(string ns, V1Container container, bool? enableServiceLinks) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = ns, Uid = "u1" },
        Spec = new V1PodSpec { Containers = [container], EnableServiceLinks = enableServiceLinks },
    };

    private static string Key(V1Service s) => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}";

    private static V1Service Service(string ns, string name, string? clusterIp, params (string? Name, int Port, string? Protocol)[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            ClusterIP = clusterIp,
            Ports = [.. ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, Protocol = p.Protocol })],
        },
    };
}
