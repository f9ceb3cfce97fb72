using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Proxy;

/// <summary>
/// pods/proxy, services/proxy and nodes/proxy against loopback backends: what reaches the
/// backend, what comes back, upstream's Statuses for bad names and unreachable backends, and
/// that nothing on a simulated node is ever dialled.
/// </summary>
public sealed class ProxySubresourceTests(ProxyFixture fx) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task PodProxy_EveryConnectMethod_ReachesBackendWithPathQueryAndNoCredentials()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-pod", "web");
        var prefix = behind.Prefix;

        var get = await fx.GetAsync($"{prefix}/some/path?x=1&y=two");

        Assert.Equal(200, get.Code);
        Assert.Contains("method=GET\n", get.Text, StringComparison.Ordinal);
        Assert.Contains("path=/some/path\n", get.Text, StringComparison.Ordinal);
        Assert.Contains("query=?x=1&y=two\n", get.Text, StringComparison.Ordinal);
        // The caller's bearer token never reaches the pod (upstream's authentication filter drops it).
        Assert.Contains("authorization=absent\n", get.Text, StringComparison.Ordinal);
        Assert.Contains($"forwarded-uri={prefix}/some/path\n", get.Text, StringComparison.Ordinal);
        Assert.Equal("loopback", get.Headers.GetValues("X-Backend").Single());
        // As upstream's proxy transport: the backend's CORS headers are not passed on.
        Assert.False(get.Headers.Contains("Access-Control-Allow-Origin"));

        foreach (var method in new[] { "POST", "PUT", "PATCH", "DELETE", "OPTIONS" })
        {
            var answer = await fx.Api.SendAsync(new HttpMethod(method), $"{prefix}/m", "abc", "text/plain");
            Assert.True(answer.Code == 200, $"{method}: {answer}");
            Assert.Contains($"method={method}\n", answer.Text, StringComparison.Ordinal);
            Assert.Contains("body=3\n", answer.Text, StringComparison.Ordinal);
        }

        var head = await fx.Api.SendAsync(HttpMethod.Head, $"{prefix}/m");
        Assert.Equal(200, head.Code);
        Assert.Equal("", head.Text);
    }

    [Fact]
    public async Task PodProxy_NameWithPortAndScheme_UsesThatPort()
    {
        await using var backend = await LoopbackBackend.StartAsync();
        var ns = await fx.NamespaceAsync("proxy-port");
        await fx.NodeAsync($"{ns}-node", "127.0.0.1", 10250);
        // The declared container port is wrong: the name's port wins.
        await fx.PodAsync(ns, "web", $"{ns}-node", "127.0.0.1", 1);

        var answer = await fx.GetAsync($"/api/v1/namespaces/{ns}/pods/http:web:{backend.Port}/proxy/x");

        Assert.Equal(200, answer.Code);
        Assert.Contains("path=/x\n", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_EmptyPath_RedirectsToTrailingSlashAndSlashReachesRoot()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-root", "web");
        var ns = behind.Namespace;

        using var redirect = await fx.RawGetAsync($"/api/v1/namespaces/{ns}/pods/web/proxy?a=b");
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal($"/api/v1/namespaces/{ns}/pods/web/proxy/?a=b", redirect.Headers.Location!.OriginalString);

        var root = await fx.GetAsync($"/api/v1/namespaces/{ns}/pods/web/proxy/");
        Assert.Equal(200, root.Code);
        Assert.Contains("path=/\n", root.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_BackendRedirect_LocationStaysBehindProxy()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-redirect", "web");
        var prefix = behind.Prefix;

        async Task<string> LocationOf(string path)
        {
            using var response = await fx.RawGetAsync(prefix + path);
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            return response.Headers.Location!.OriginalString;
        }

        Assert.Equal(prefix + "/landing", await LocationOf("/redirect"));
        Assert.Equal(prefix + "/landing?x=1", await LocationOf("/redirect-absolute"));
        Assert.Equal("http://example.invalid/landing", await LocationOf("/redirect-elsewhere"));
    }

    [Theory]
    [InlineData("/page")]
    [InlineData("/page-gzip")]
    public async Task Proxy_HtmlPage_AbsoluteLinksRewrittenBehindProxy(string path)
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-html", "web");
        var prefix = behind.Prefix;

        // The raw client undoes gzip: the rewritten page must still be valid gzip.
        using var response = await fx.RawGetAsync(prefix + path);
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = LoopbackBackend.Page
            .Replace("href=\"/abs?", $"href=\"{prefix}/abs?", StringComparison.Ordinal)
            .Replace("src=/img.png", $"src={prefix}/img.png", StringComparison.Ordinal);
        Assert.Equal(expected, page);
    }

    [Fact]
    public async Task Proxy_StreamingBody_FirstPartArrivesBeforeBackendFinishes()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-stream", "web");
        var (backend, ns) = (behind.Backend, behind.Namespace);

        await using var stream = await fx.Api.WatchAsync($"/api/v1/namespaces/{ns}/pods/web/proxy/stream", CancellationToken.None);

        // The backend holds its second part until released: a proxy that buffered the whole
        // answer would never hand over the first line.
        Assert.Equal("first", await stream.NextLineAsync(TimeSpan.FromSeconds(20)));
        backend.ReleaseStream.SetResult();
        Assert.Equal("second", await stream.NextLineAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Proxy_BodyOverLimit_Is413AndNeverReachesBackend()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-body", "web");
        var (backend, ns) = (behind.Backend, behind.Namespace);
        var path = $"/api/v1/namespaces/{ns}/pods/web/proxy/upload";

        var fits = await fx.Api.SendBytesAsync(HttpMethod.Post, path, new byte[1024 * 1024], "application/octet-stream");
        Assert.Equal(200, fits.Code);
        Assert.Contains("body=1048576\n", fits.Text, StringComparison.Ordinal);

        var before = backend.Connections;
        var tooLarge = await fx.Api.SendBytesAsync(HttpMethod.Post, path, new byte[(3 * 1024 * 1024) + 1], "application/octet-stream");
        Assert.Equal(413, tooLarge.Code);
        Assert.Contains("Request entity too large: limit is 3145728", tooLarge.Message, StringComparison.Ordinal);
        Assert.Equal(before, backend.Connections);
    }

    [Fact]
    public async Task Proxy_WebSocketUpgrade_PassesThroughBothWays()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-ws", "web");
        var ns = behind.Namespace;

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + fx.Host.Pki.AdminToken);
        socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        var url = new Uri(fx.Host.Url.Replace("https://", "wss://", StringComparison.Ordinal) + $"/api/v1/namespaces/{ns}/pods/web/proxy/ws");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(url, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping through the proxy"), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var got = await socket.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal("ping through the proxy", Encoding.UTF8.GetString(buffer, 0, got.Count));
    }

    [Fact]
    public async Task ServiceProxy_ReadyEndpoint_ReachedByPortNumberNameAndScheme()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-svc", "web-0");
        var (backend, ns) = (behind.Backend, behind.Namespace);
        await fx.ServiceAsync(ns, "web", backend.Port, ("web-0", "127.0.0.1"));

        foreach (var name in new[] { "web:80", "web:http", "http:web:http" })
        {
            var answer = await fx.GetAsync($"/api/v1/namespaces/{ns}/services/{name}/proxy/hello?q=1");
            Assert.True(answer.Code == 200, $"{name}: {answer}");
            Assert.Contains("path=/hello\n", answer.Text, StringComparison.Ordinal);
            Assert.Contains("query=?q=1\n", answer.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ServiceProxy_WithRealKubectl_GetRawReachesEndpoint()
    {
        await using var behind = await fx.PodBehindProxyAsync("proxy-kubectl", "web-0");
        var (backend, ns) = (behind.Backend, behind.Namespace);
        await fx.ServiceAsync(ns, "web", backend.Port, ("web-0", "127.0.0.1"));
        var home = Directory.CreateTempSubdirectory("proxy-kubectl-").FullName;
        try
        {
            var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, home);
            var service = await kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/services/web:http/proxy/from-kubectl");
            Assert.True(service.ExitCode == 0, service.Stderr);
            Assert.Contains("path=/from-kubectl", service.Stdout, StringComparison.Ordinal);

            var pod = await kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/pods/web-0/proxy/pod-path");
            Assert.True(pod.ExitCode == 0, pod.Stderr);
            Assert.Contains("path=/pod-path", pod.Stdout, StringComparison.Ordinal);

            var none = await kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/services/nothing/proxy/");
            Assert.NotEqual(0, none.ExitCode);
            Assert.Contains("services \"nothing\" not found", none.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task ServiceProxy_NoUsableEndpoint_503WithUpstreamMessages()
    {
        var ns = await fx.NamespaceAsync("proxy-svc-bad");
        await fx.ServiceAsync(ns, "empty", 8080);
        var empty = await fx.GetAsync($"/api/v1/namespaces/{ns}/services/empty/proxy/");
        Assert.Equal(503, empty.Code);
        Assert.Equal("no endpoints available for service \"empty\"", empty.Message);

        var noPort = await fx.GetAsync($"/api/v1/namespaces/{ns}/services/empty:81/proxy/");
        Assert.Equal(503, noPort.Code);
        Assert.Equal("no service port 81 found for service \"empty\"", noPort.Message);

        // An address whose pod does not exist (upstream's isValidAddress) is never picked.
        await fx.ServiceAsync(ns, "ghost", 8080, ("no-such-pod", "127.0.0.1"));
        var ghost = await fx.GetAsync($"/api/v1/namespaces/{ns}/services/ghost:http/proxy/");
        Assert.Equal(503, ghost.Code);
        Assert.StartsWith("no endpoints available for service \"ghost:http\"", ghost.Message, StringComparison.Ordinal);

        await fx.CreateAsync($"/api/v1/namespaces/{ns}/services", """{"metadata":{"name":"no-endpoints-object"},"spec":{"ports":[{"port":80}]}}""");
        var missing = await fx.GetAsync($"/api/v1/namespaces/{ns}/services/no-endpoints-object/proxy/");
        Assert.Equal(404, missing.Code);
        Assert.Equal("endpoints \"no-endpoints-object\" not found", missing.Message);
    }

    [Fact]
    public async Task Proxy_BackendDown_503ErrorTryingToReachService()
    {
        var ns = await fx.NamespaceAsync("proxy-down");
        await fx.NodeAsync($"{ns}-node", "127.0.0.1", 10250);
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await fx.PodAsync(ns, "down", $"{ns}-node", "127.0.0.1", closedPort);
        var revision = await fx.RevisionAsync();

        var answer = await fx.GetAsync($"/api/v1/namespaces/{ns}/pods/down/proxy/");

        Assert.Equal(503, answer.Code);
        Assert.Equal("ServiceUnavailable", answer.Reason);
        Assert.StartsWith("error trying to reach service: ", answer.Message, StringComparison.Ordinal);
        Assert.Equal(revision, await fx.RevisionAsync());
    }

    [Theory]
    [InlineData("pods/a:b:c:d/proxy/", 400, "invalid pod request \"a:b:c:d\"")]
    [InlineData("pods/ftp:web:80/proxy/", 400, "invalid pod request \"ftp:web:80\"")]
    [InlineData("pods/:80/proxy/", 400, "invalid pod request \":80\"")]
    [InlineData("pods/web:http/proxy/", 400, "invalid pod request \"web:http\": port \"http\" is not a number from 1 to 65535")]
    [InlineData("pods/web:70000/proxy/", 400, "invalid pod request \"web:70000\": port \"70000\" is not a number from 1 to 65535")]
    [InlineData("services/a:b:c:d/proxy/", 400, "invalid service request \"a:b:c:d\"")]
    [InlineData("pods/nobody/proxy/", 404, "pods \"nobody\" not found")]
    [InlineData("services/nobody/proxy/", 404, "services \"nobody\" not found")]
    public async Task Proxy_BadOrUnknownName_StatusAndNothingDialled(string path, int code, string message)
    {
        var ns = await fx.NamespaceAsync("proxy-names");
        var dials = fx.Dials.Count;

        var answer = await fx.GetAsync($"/api/v1/namespaces/{ns}/{path}");

        Assert.Equal(code, answer.Code);
        Assert.Equal(message, answer.Message);
        Assert.Equal(dials, fx.Dials.Count);
    }

    [Fact]
    public async Task NodeProxy_UnknownNodeOrBadName_404And400()
    {
        var unknown = await fx.GetAsync("/api/v1/nodes/no-such-node/proxy/healthz");
        Assert.Equal(404, unknown.Code);
        Assert.Equal("nodes \"no-such-node\" not found", unknown.Message);

        var malformed = await fx.GetAsync("/api/v1/nodes/a:b:c:d/proxy/healthz");
        Assert.Equal(400, malformed.Code);
        Assert.Equal("invalid node request \"a:b:c:d\"", malformed.Message);

        var method = await fx.Api.SendAsync(new HttpMethod("TRACE"), "/api/v1/nodes/no-such-node/proxy/healthz");
        Assert.Equal(405, method.Code);
    }

    [Fact]
    public async Task NodeProxy_SimulatedNode_RefusedWithoutConnectionWhileRealNodeIsDialled()
    {
        var ns = await fx.NamespaceAsync("proxy-sim");
        using var kubelet = new TcpListener(IPAddress.Loopback, 0);
        kubelet.Start();
        var port = ((IPEndPoint)kubelet.LocalEndpoint).Port;
        var accepted = 0;
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var client = await kubelet.AcceptTcpClientAsync(stop.Token);
                    Interlocked.Increment(ref accepted);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped by the test.
            }
        });

        // A real node at the listener: the proxy dials it (the listener speaks no TLS, so the answer is a 503).
        await fx.NodeAsync($"{ns}-real", "127.0.0.1", port);
        var dialsBefore = fx.Dials.Count;
        var real = await fx.GetAsync($"/api/v1/nodes/{ns}-real/proxy/healthz");
        Assert.Equal(503, real.Code);
        Assert.StartsWith("error trying to reach service: ", real.Message, StringComparison.Ordinal);
        Assert.True(fx.Dials.Count > dialsBefore, "the real node's address went through the dial filter");
        await Eventually.WaitAsync(_ => Task.FromResult(Volatile.Read(ref accepted) > 0), TimeSpan.FromSeconds(10), "the real node's listener accepted the proxy's connection");

        // The same address and port on a simulated node: refused before any dial.
        await fx.NodeAsync($"{ns}-sim", "127.0.0.1", port, simulated: true);
        var acceptedBefore = Volatile.Read(ref accepted);
        dialsBefore = fx.Dials.Count;
        var simulated = await fx.GetAsync($"/api/v1/nodes/{ns}-sim/proxy/healthz");
        Assert.Equal(503, simulated.Code);
        Assert.Contains("is simulated", simulated.Message, StringComparison.Ordinal);
        Assert.Equal(dialsBefore, fx.Dials.Count);

        // And a pod on it, or behind a service, likewise.
        await fx.PodAsync(ns, "on-sim", $"{ns}-sim", "127.0.0.1", port);
        var pod = await fx.GetAsync($"/api/v1/namespaces/{ns}/pods/on-sim/proxy/");
        Assert.Equal(503, pod.Code);
        Assert.Contains("is simulated", pod.Message, StringComparison.Ordinal);
        await fx.ServiceAsync(ns, "sim-svc", port, ("on-sim", "127.0.0.1"));
        var service = await fx.GetAsync($"/api/v1/namespaces/{ns}/services/sim-svc:http/proxy/");
        Assert.Equal(503, service.Code);
        Assert.Contains("is simulated", service.Message, StringComparison.Ordinal);
        Assert.Equal(dialsBefore, fx.Dials.Count);
        Assert.Equal(acceptedBefore, Volatile.Read(ref accepted));

        await stop.CancelAsync();
        kubelet.Stop();
        await acceptLoop;
    }

    [Fact]
    public async Task NodeProxy_OtherPort_PlainHttpToNodeAddress()
    {
        await using var backend = await LoopbackBackend.StartAsync();
        await fx.NodeAsync("proxy-node-other-port", "127.0.0.1", 10250);

        var answer = await fx.GetAsync($"/api/v1/nodes/proxy-node-other-port:{backend.Port}/proxy/node-path");

        Assert.Equal(200, answer.Code);
        Assert.Contains("path=/node-path\n", answer.Text, StringComparison.Ordinal);
        Assert.Contains("authorization=absent\n", answer.Text, StringComparison.Ordinal);
    }
}
