using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.ApiServer.Security;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Server;
using Timonel.Kubelet.Stats;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests.Stats;

/// <summary>
/// /stats/summary and /metrics/resource over HTTPS, with the fake runtime behind them and an
/// in-process API server (RBAC) answering the kubelet's TokenReviews and SubjectAccessReviews.
/// </summary>
public sealed class KubeletServerStatsTests : IAsyncLifetime
{
    private const string NodeName = "node-stats";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly InMemoryContainerRuntime _runtime;
    private readonly FakeNodeUsage _node;
    private readonly List<IDisposable> _disposables = [];
    private TestCluster _cluster = null!;
    private KubeletServer _server = null!;
    private CriClient _cri = null!;
    private string _dataDir = string.Empty;

    public KubeletServerStatsTests()
    {
        _runtime = new InMemoryContainerRuntime(_time);
        _node = new FakeNodeUsage(_time);
    }

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(configure: o => o with { AuthorizationModes = [AuthorizationModes.Rbac] });
        _dataDir = Directory.CreateTempSubdirectory("timonel-kubelet-stats-").FullName;
        var options = new KubeletOptions
        {
            DataDir = _dataDir,
            NodeName = NodeName,
            NodeIp = IPAddress.Loopback,
            ServerAddress = IPAddress.Loopback,
            ServerPort = 0,
            ServerInNodeNetwork = false,
            ClientCaPem = _cluster.Host.Pki.ClientCaPem,
        };

        // Only the stats paths are exercised: nothing dials this socket.
        _cri = new CriClient(Path.Combine(_dataDir, "no-containerd.sock"));
        var stats = new StatsCollector(NodeName, _runtime, _node);
        _server = await KubeletServer.StartAsync(options, _cri, stats, _cluster.Client, new NodeNetwork(null), NullLoggerFactory.Instance, _time, CancellationToken.None);
        var ids = await FakeRuntimePods.RunAsync(_runtime, "shop", "web-0", "app");
        _runtime.SetContainerUsage(ids[0], new SimulatedUsage(2_500_000_000, 10_485_760, 12_000_000, 8_000_000));
    }

    [Fact]
    public async Task StatsSummary_AdminCertificate_PodsFromTheRuntime()
    {
        using var http = Client(_cluster.Host.Pki.AdminCertificate);

        var response = await http.GetAsync(Url("/stats/summary"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var summary = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(NodeName, (string?)summary["node"]!["nodeName"]);
        var pod = summary["pods"]![0]!;
        Assert.Equal("web-0", (string?)pod["podRef"]!["name"]);
        Assert.Equal("app", (string?)pod["containers"]![0]!["name"]);
        Assert.Equal(2_500_000_000UL, (ulong)pod["containers"]![0]!["cpu"]!["usageCoreNanoSeconds"]!);
        Assert.Equal(10_485_760UL, (ulong)pod["memory"]!["workingSetBytes"]!);
    }

    [Fact]
    public async Task MetricsResource_AdminBearerToken_PrometheusText()
    {
        using var http = Client(null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _cluster.Host.Pki.AdminToken);

        var response = await http.GetAsync(Url("/metrics/resource"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var ms = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Contains($"container_cpu_usage_seconds_total{{container=\"app\",namespace=\"shop\",pod=\"web-0\"}} 2.5 {ms}\n", text, StringComparison.Ordinal);
        Assert.Contains($"pod_memory_working_set_bytes{{namespace=\"shop\",pod=\"web-0\"}} 10485760 {ms}\n", text, StringComparison.Ordinal);
        Assert.EndsWith("scrape_error 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsResource_NodeUnreadable_ScrapeErrorOne()
    {
        using var http = Client(_cluster.Host.Pki.AdminCertificate);
        var healthy = await http.GetStringAsync(Url("/metrics/resource"));
        _node.Failure = new IOException("cpuacct.usage: no such file");

        var response = await http.GetAsync(Url("/metrics/resource"));
        var summary = await http.GetAsync(Url("/stats/summary"));

        Assert.EndsWith("scrape_error 0\n", healthy, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("scrape_error 1\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertStatusAsync(summary, HttpStatusCode.InternalServerError, "cpuacct.usage: no such file");
    }

    [Fact]
    public async Task StatsSummary_NoCredentials_Gets401()
    {
        using var http = Client(null);

        var response = await http.GetAsync(Url("/stats/summary"));

        await AssertStatusAsync(response, HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task StatsSummary_UnknownBearerToken_Gets401()
    {
        using var http = Client(null);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token-of-this-cluster");
        using var admin = Client(null);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _cluster.Host.Pki.AdminToken);

        var refused = await http.GetAsync(Url("/stats/summary"));
        var accepted = await admin.GetAsync(Url("/stats/summary"));

        await AssertStatusAsync(refused, HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task StatsSummary_CertificateOfUserWithoutRole_Gets403UntilGrantedAndDenialExpires()
    {
        using var http = Client(_cluster.Host.Pki.IssueClientCertificate("alice", ["team"], DateTimeOffset.UtcNow.AddMinutes(-1), TimeSpan.FromHours(1)));

        var denied = await http.GetAsync(Url("/stats/summary"));
        await GrantAsync("alice", "nodes/stats");
        var stillCached = await http.GetAsync(Url("/stats/summary"));
        _time.Advance(KubeletAccess.UnauthorizedTtl + TimeSpan.FromSeconds(1));
        var allowed = await http.GetAsync(Url("/stats/summary"));
        var otherSubresource = await http.GetAsync(Url("/metrics/resource"));

        await AssertStatusAsync(denied, HttpStatusCode.Forbidden, "Forbidden (user=alice, verb=get, resource=nodes, subresource=stats)");
        await AssertStatusAsync(stillCached, HttpStatusCode.Forbidden, "subresource=stats");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        await AssertStatusAsync(otherSubresource, HttpStatusCode.Forbidden, "Forbidden (user=alice, verb=get, resource=nodes, subresource=metrics)");
    }

    [Fact]
    public async Task MetricsResource_GroupGrantedMetrics_AllowedAndRevocationCachedFiveMinutes()
    {
        using var http = Client(_cluster.Host.Pki.IssueClientCertificate("scraper", ["metrics-readers"], DateTimeOffset.UtcNow.AddMinutes(-1), TimeSpan.FromHours(1)));
        await GrantAsync("metrics-readers", "nodes/metrics", group: true);

        var allowed = await http.GetAsync(Url("/metrics/resource"));
        await _cluster.Client.RbacAuthorizationV1.DeleteClusterRoleBindingAsync("grant-metrics-readers");
        var cached = await http.GetAsync(Url("/metrics/resource"));
        _time.Advance(KubeletAccess.AuthorizedTtl + TimeSpan.FromSeconds(1));
        var revoked = await http.GetAsync(Url("/metrics/resource"));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        await AssertStatusAsync(revoked, HttpStatusCode.Forbidden, "user=scraper, verb=get, resource=nodes, subresource=metrics");
    }

    [Fact]
    public async Task ContainerLogs_UserWithStatsOnly_Gets403ForProxy()
    {
        using var http = Client(_cluster.Host.Pki.IssueClientCertificate("bob", [], DateTimeOffset.UtcNow.AddMinutes(-1), TimeSpan.FromHours(1)));
        await GrantAsync("bob", "nodes/stats");

        var stats = await http.GetAsync(Url("/stats/summary"));
        var logs = await http.GetAsync(Url("/containerLogs/shop/web-0/app"));

        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        await AssertStatusAsync(logs, HttpStatusCode.Forbidden, "Forbidden (user=bob, verb=get, resource=nodes, subresource=proxy)");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _cri.Dispose();
        foreach (var d in _disposables)
        {
            d.Dispose();
        }

        await _cluster.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Uri Url(string path) => new($"https://127.0.0.1:{_server.Port}{path}");

    private HttpClient Client(X509Certificate2? certificate)
    {
        var ssl = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
        if (certificate is not null)
        {
            ssl.ClientCertificates = [certificate];
        }

        var handler = new SocketsHttpHandler { SslOptions = ssl };
        _disposables.Add(handler);
        return new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(20) };
    }

    private async Task GrantAsync(string subject, string resource, bool group = false)
    {
        var name = "grant-" + subject;
        await _cluster.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = name },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = [resource], Verbs = ["get"] }],
        });
        await _cluster.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = group ? "Group" : "User", Name = subject, ApiGroup = "rbac.authorization.k8s.io" }],
        });
    }

    private static async Task AssertStatusAsync(HttpResponseMessage response, HttpStatusCode code, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(code == response.StatusCode, $"expected {(int)code}, got {(int)response.StatusCode}: {body}");
        var status = JsonNode.Parse(body)!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal((int)code, (int)status["code"]!);
        Assert.Contains(message, (string?)status["message"], StringComparison.Ordinal);
    }
}
