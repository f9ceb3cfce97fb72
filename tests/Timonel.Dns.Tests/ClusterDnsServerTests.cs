using System.Net;
using k8s;
using k8s.Models;
using Timonel.Dns.Tests.Infrastructure;
using Timonel.Dns.Wire;
using Timonel.Testing;

namespace Timonel.Dns.Tests;

/// <summary>The node DNS server answering over real UDP/TCP sockets from an in-process API server.</summary>
public sealed class ClusterDnsServerTests(DnsClusterFixture fixture) : IClassFixture<DnsClusterFixture>
{
    private IKubernetes Client => fixture.Client;

    [Fact]
    public async Task Query_ClusterIpService_ReturnsClusterIpWithTtl5()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        var svc = await CreateServiceAsync(ns, "web", headless: false);

        var response = await ResolveAsync($"web.{ns}.svc.cluster.local", DnsType.A);

        Assert.Equal(DnsRcode.NoError, response.Rcode);
        Assert.True(response.Authoritative);
        var a = Assert.IsType<ARecord>(Assert.Single(response.Answers));
        Assert.Equal(IPAddress.Parse(svc.Spec.ClusterIP), a.Address);
        Assert.Equal(5u, a.Ttl);
    }

    [Fact]
    public async Task Query_OtherTypeOfExistingService_IsNoDataWithSoa()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        await CreateServiceAsync(ns, "web", headless: false);
        await ResolveAsync($"web.{ns}.svc.cluster.local", DnsType.A);

        var response = await DnsTestClient.QueryUdpAsync(fixture.Server, $"web.{ns}.svc.cluster.local", DnsType.AAAA);

        Assert.Equal(DnsRcode.NoError, response.Rcode);
        Assert.Empty(response.Answers);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(response.Authorities));
        Assert.Equal("cluster.local", soa.Name);
        Assert.Equal(5u, soa.Minimum);
    }

    [Fact]
    public async Task Query_MissingServiceOrNamespace_IsNxDomainWithSoa()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");

        var missingService = await DnsTestClient.QueryUdpAsync(fixture.Server, $"nope.{ns}.svc.cluster.local", DnsType.A);
        var missingNamespace = await DnsTestClient.QueryUdpAsync(fixture.Server, "nope.no-such-ns.svc.cluster.local", DnsType.A);
        var badKind = await DnsTestClient.QueryUdpAsync(fixture.Server, "x.y.other.cluster.local", DnsType.A);

        foreach (var response in new[] { missingService, missingNamespace, badKind })
        {
            Assert.Equal(DnsRcode.NXDomain, response.Rcode);
            Assert.IsType<SoaRecord>(Assert.Single(response.Authorities));
        }
    }

    [Fact]
    public async Task Query_NamespaceName_IsNoDataWhenItExistsElseNxDomain()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        await Eventually.WaitAsync(async _ => (await DnsTestClient.QueryUdpAsync(fixture.Server, $"{ns}.svc.cluster.local", DnsType.A)).Rcode == DnsRcode.NoError, TimeSpan.FromSeconds(10), "namespace in cache");

        var absent = await DnsTestClient.QueryUdpAsync(fixture.Server, "absent-ns.svc.cluster.local", DnsType.A);
        var apex = await DnsTestClient.QueryUdpAsync(fixture.Server, "cluster.local", DnsType.SOA);

        Assert.Equal(DnsRcode.NXDomain, absent.Rcode);
        Assert.IsType<SoaRecord>(Assert.Single(apex.Answers));
    }

    [Fact]
    public async Task Query_HeadlessService_ReturnsReadyEndpointsOnly()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        await CreateServiceAsync(ns, "db", headless: true);
        await CreateSliceAsync(ns, "db", ("10.42.0.11", "db-0", true), ("10.42.0.12", "db-1", true), ("10.42.0.13", "db-2", false));

        var response = await ResolveAsync($"db.{ns}.svc.cluster.local", DnsType.A, r => r.Answers.Count == 2);

        Assert.Equal(["10.42.0.11", "10.42.0.12"], response.Answers.Cast<ARecord>().Select(a => a.Address.ToString()).Order());
    }

    [Fact]
    public async Task Query_HeadlessWithoutReadyEndpoints_IsNxDomain()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        await CreateServiceAsync(ns, "empty", headless: true);
        await CreateServiceAsync(ns, "marker", headless: false);
        await ResolveAsync($"marker.{ns}.svc.cluster.local", DnsType.A);

        var response = await DnsTestClient.QueryUdpAsync(fixture.Server, $"empty.{ns}.svc.cluster.local", DnsType.A);

        Assert.Equal(DnsRcode.NXDomain, response.Rcode);
    }

    [Fact]
    public async Task Query_StatefulSetPodHostname_ReturnsItsAddress()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        await CreateServiceAsync(ns, "db", headless: true);
        await CreateSliceAsync(ns, "db", ("10.42.0.21", "db-0", true), ("10.42.0.22", null, true));

        var byHostname = await ResolveAsync($"db-0.db.{ns}.svc.cluster.local", DnsType.A);
        var byDashedIp = await ResolveAsync($"10-42-0-22.db.{ns}.svc.cluster.local", DnsType.A);
        var unknown = await DnsTestClient.QueryUdpAsync(fixture.Server, $"db-9.db.{ns}.svc.cluster.local", DnsType.A);

        Assert.Equal("10.42.0.21", Assert.IsType<ARecord>(Assert.Single(byHostname.Answers)).Address.ToString());
        Assert.Equal("10.42.0.22", Assert.IsType<ARecord>(Assert.Single(byDashedIp.Answers)).Address.ToString());
        Assert.Equal(DnsRcode.NXDomain, unknown.Rcode);
    }

    [Fact]
    public async Task Query_SrvForNamedPort_ReturnsPortAndTarget()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        var svc = await CreateServiceAsync(ns, "web", headless: false);
        await CreateServiceAsync(ns, "db", headless: true);
        await CreateSliceAsync(ns, "db", ("10.42.0.31", "db-0", true));

        var clusterIp = await ResolveAsync($"_http._tcp.web.{ns}.svc.cluster.local", DnsType.SRV);
        var headless = await ResolveAsync($"_http._tcp.db.{ns}.svc.cluster.local", DnsType.SRV);
        var wrongProto = await DnsTestClient.QueryUdpAsync(fixture.Server, $"_http._udp.web.{ns}.svc.cluster.local", DnsType.SRV);

        var srv = Assert.IsType<SrvRecord>(Assert.Single(clusterIp.Answers));
        Assert.Equal(80, srv.Port);
        Assert.Equal($"web.{ns}.svc.cluster.local", srv.Target);
        Assert.Equal(svc.Spec.ClusterIP, Assert.IsType<ARecord>(Assert.Single(clusterIp.Additionals, r => r is ARecord)).Address.ToString());
        var podSrv = Assert.IsType<SrvRecord>(Assert.Single(headless.Answers));
        Assert.Equal(8080, podSrv.Port);
        Assert.Equal($"db-0.db.{ns}.svc.cluster.local", podSrv.Target);
        Assert.Equal(DnsRcode.NXDomain, wrongProto.Rcode);
    }

    [Fact]
    public async Task Query_ExternalNameService_ReturnsCname()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "ext" },
            Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "db.example.org" },
        }, ns);

        var response = await ResolveAsync($"ext.{ns}.svc.cluster.local", DnsType.A);

        Assert.Equal("db.example.org", Assert.IsType<CnameRecord>(Assert.Single(response.Answers)).Target);
    }

    [Fact]
    public async Task Query_PodRecord_AnswersOnlyForAPodHoldingTheIp()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        pod.Status = new V1PodStatus { PodIP = "10.42.3.4", PodIPs = [new V1PodIP { Ip = "10.42.3.4" }], Phase = "Running" };
        await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", ns);

        var known = await ResolveAsync($"10-42-3-4.{ns}.pod.cluster.local", DnsType.A);
        var unknown = await DnsTestClient.QueryUdpAsync(fixture.Server, $"10-42-3-5.{ns}.pod.cluster.local", DnsType.A);
        var malformed = await DnsTestClient.QueryUdpAsync(fixture.Server, $"10-42-3.{ns}.pod.cluster.local", DnsType.A);

        Assert.Equal("10.42.3.4", Assert.IsType<ARecord>(Assert.Single(known.Answers)).Address.ToString());
        Assert.Equal(DnsRcode.NXDomain, unknown.Rcode);
        Assert.Equal(DnsRcode.NXDomain, malformed.Rcode);
    }

    [Fact]
    public async Task Query_PtrOfClusterIp_ReturnsServiceName()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        var svc = await CreateServiceAsync(ns, "web", headless: false);
        var reverse = string.Join('.', svc.Spec.ClusterIP.Split('.').Reverse()) + ".in-addr.arpa";

        var response = await ResolveAsync(reverse, DnsType.PTR);

        Assert.Equal($"web.{ns}.svc.cluster.local", Assert.IsType<PtrRecord>(Assert.Single(response.Answers)).Target);
    }

    [Fact]
    public async Task Query_OutsideName_IsForwardedAndCached()
    {
        var first = await DnsTestClient.QueryUdpAsync(fixture.Server, "cached.example", DnsType.A);
        var before = fixture.Upstream.Queries;
        var second = await DnsTestClient.QueryUdpAsync(fixture.Server, "cached.example", DnsType.A);
        var missing = await DnsTestClient.QueryUdpAsync(fixture.Server, "missing.example", DnsType.A);

        Assert.Equal(FakeUpstream.Answer, Assert.IsType<ARecord>(Assert.Single(first.Answers)).Address);
        Assert.Equal(first.Answers, second.Answers);
        Assert.Equal(before + 1, fixture.Upstream.Queries);
        Assert.Equal(DnsRcode.NXDomain, missing.Rcode);
        Assert.False(first.Authoritative);
    }

    [Fact]
    public async Task Query_LargeAnswerOverUdp_SetsTcAndTcpRetryGetsAll()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("dns");
        await CreateServiceAsync(ns, "big", headless: true);
        await CreateSliceAsync(ns, "big", [.. Enumerable.Range(1, 60).Select(i => ($"10.42.5.{i}", (string?)null, true))]);
        await Eventually.WaitAsync(async _ => (await DnsTestClient.QueryTcpAsync(fixture.Server, $"big.{ns}.svc.cluster.local", DnsType.A)).Answers.Count == 60, TimeSpan.FromSeconds(10), "60 endpoints");

        var udp = await DnsTestClient.QueryUdpAsync(fixture.Server, $"big.{ns}.svc.cluster.local", DnsType.A);
        var edns = await DnsTestClient.QueryUdpAsync(fixture.Server, $"big.{ns}.svc.cluster.local", DnsType.A, ednsSize: 4096);
        var forwardedUdp = await DnsTestClient.QueryUdpAsync(fixture.Server, "many.example", DnsType.A);
        var forwardedTcp = await DnsTestClient.QueryTcpAsync(fixture.Server, "many.example", DnsType.A);

        Assert.True(udp.Truncated);
        Assert.Empty(udp.Answers);
        Assert.False(edns.Truncated);
        Assert.Equal(60, edns.Answers.Count);
        Assert.True(forwardedUdp.Truncated);
        Assert.Equal(60, forwardedTcp.Answers.Count);
    }

    [Fact]
    public async Task Query_MalformedPackets_FormErrAndServerKeepsServing()
    {
        var header = new byte[] { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3F, (byte)'a' };
        var formErr = await DnsTestClient.SendUdpRawAsync(fixture.Server, header, TimeSpan.FromSeconds(5));
        var twoQuestions = DnsTestClient.Query("a.example", DnsType.A, null);
        twoQuestions.Questions.Add(new DnsQuestion("b.example", DnsType.A));
        var tooShort = await DnsTestClient.SendUdpRawAsync(fixture.Server, [1, 2, 3], TimeSpan.FromMilliseconds(300));
        var random = new Random(99);
        for (var i = 0; i < 200; i++)
        {
            var junk = new byte[random.Next(12, 60)];
            random.NextBytes(junk);
            junk[2] &= 0x7F;
            await DnsTestClient.SendUdpRawAsync(fixture.Server, junk, TimeSpan.FromMilliseconds(20));
        }

        var multi = await DnsTestClient.SendUdpAsync(fixture.Server, twoQuestions.Encode());
        var tcpJunk = await DnsTestClient.SendTcpAsync(fixture.Server, [0xAB, 0xCD, 0x01, 0x00, 0xFF]);
        var stillServing = await DnsTestClient.QueryUdpAsync(fixture.Server, "cluster.local", DnsType.SOA);

        var parsed = DnsMessage.Decode(formErr!);
        Assert.Equal(0x1234, parsed.Id);
        Assert.Equal(DnsRcode.FormErr, parsed.Rcode);
        Assert.Null(tooShort);
        Assert.Equal(DnsRcode.FormErr, multi.Rcode);
        Assert.Null(tcpJunk);
        Assert.Equal(DnsRcode.NoError, stillServing.Rcode);
    }

    [Fact]
    public async Task Start_PublishesKubeDnsSliceForTheNode()
    {
        var slice = await WaitForSliceAsync();

        Assert.Equal("kube-dns", slice.Metadata.Labels["kubernetes.io/service-name"]);
        Assert.Equal("agent.timonel.dev", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        Assert.Equal("127.0.0.1", Assert.Single(Assert.Single(slice.Endpoints).Addresses));
        Assert.Equal(["dns-tcp/TCP", "dns/UDP"], slice.Ports.Select(p => $"{p.Name}/{p.Protocol}").Order(StringComparer.Ordinal));
        Assert.All(slice.Ports, p => Assert.Equal(fixture.Server.Port, p.Port));
    }

    private async Task<V1EndpointSlice> WaitForSliceAsync()
    {
        V1EndpointSlice? slice = null;
        await Eventually.WaitAsync(async ct =>
        {
            var list = await Client.DiscoveryV1.ListNamespacedEndpointSliceAsync("kube-system", cancellationToken: ct);
            slice = list.Items.FirstOrDefault(s => s.Metadata.Name == "kube-dns-dns-node");
            return slice is not null;
        }, TimeSpan.FromSeconds(10), "kube-dns-dns-node slice");
        return slice!;
    }

    /// <summary>Queries until the answer satisfies <paramref name="done"/> (default: has answers), as the informer catches up.</summary>
    private async Task<DnsMessage> ResolveAsync(string name, DnsType type, Func<DnsMessage, bool>? done = null)
    {
        DnsMessage? last = null;
        await Eventually.WaitAsync(async _ =>
        {
            last = await DnsTestClient.QueryUdpAsync(fixture.Server, name, type);
            return done?.Invoke(last) ?? last.Answers.Count > 0;
        }, TimeSpan.FromSeconds(10), $"{type} {name}");
        return last!;
    }

    private async Task<V1Service> CreateServiceAsync(string ns, string name, bool headless) =>
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec
            {
                ClusterIP = headless ? "None" : null,
                Selector = new Dictionary<string, string> { ["app"] = name },
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = headless ? null : 8080, Protocol = "TCP" }],
            },
        }, ns);

    private async Task CreateSliceAsync(string ns, string service, params (string Ip, string? Hostname, bool Ready)[] endpoints) =>
        await Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = $"{service}-abc", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
            AddressType = "IPv4",
            Endpoints = [.. endpoints.Select(e => new V1Endpoint { Addresses = [e.Ip], Hostname = e.Hostname, Conditions = new V1EndpointConditions { Ready = e.Ready } })],
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        }, ns);
}
