using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Timonel.Ingress.Routing;
using Timonel.Ingress.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Ingress.Tests;

/// <summary>The controller end to end in-process: Ingresses in the API server, requests through the proxy's loopback ports.</summary>
public sealed class IngressProxyTests(IngressFixture fixture) : IClassFixture<IngressFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static V1HTTPIngressPath Path(string path, string type, string service, string? portName = null) => new()
    {
        Path = path,
        PathType = type,
        Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = service, Port = portName is null ? new V1ServiceBackendPort { Number = 80 } : new V1ServiceBackendPort { Name = portName } } },
    };

    private static V1Ingress Ingress(string name, string? className, params V1IngressRule[] rules) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1IngressSpec { IngressClassName = className, Rules = rules },
    };

    private static V1IngressRule Rule(string host, params V1HTTPIngressPath[] paths) => new() { Host = host, Http = new V1HTTPIngressRuleValue { Paths = paths } };

    private Uri Http(string host, string path) => new($"http://{host}:{fixture.HttpPort}{path}");

    private Uri Https(string host, string path) => new($"https://{host}:{fixture.HttpsPort}{path}");

    /// <summary>Polls until a GET answers <paramref name="status"/> with a body starting with <paramref name="bodyPrefix"/>; returns the body.</summary>
    private async Task<string> WaitForAsync(Uri uri, HttpStatusCode status, string bodyPrefix)
    {
        using var client = fixture.HttpClient();
        return await Eventually.WaitAsync(async ct =>
        {
            using var response = await client.GetAsync(uri, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.StatusCode == status && body.StartsWith(bodyPrefix, StringComparison.Ordinal) ? body : null;
        }, Timeout, $"{uri} to answer {(int)status} {bodyPrefix}");
    }

    [Fact]
    public async Task Proxy_TwoHostsAndPaths_RouteToTheirBackendsWithForwardedHeaders()
    {
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("hosts", "timonel",
            Rule("a.hosts.test", Path("/", "Prefix", "a")),
            Rule("b.hosts.test", Path("/api", "Exact", "a"), Path("/", "Prefix", "b", portName: "http"))), fixture.Namespace);

        var body = await WaitForAsync(Http("a.hosts.test", "/hello"), HttpStatusCode.OK, "A /hello");
        Assert.Equal($"A /hello host=a.hosts.test:{fixture.HttpPort} xff=127.0.0.1 proto=http", body);
        await WaitForAsync(Http("b.hosts.test", "/api"), HttpStatusCode.OK, "A /api");
        await WaitForAsync(Http("b.hosts.test", "/api/more"), HttpStatusCode.OK, "B /api/more");
        await WaitForAsync(Http("b.hosts.test", "/other"), HttpStatusCode.OK, "B /other");
    }

    [Fact]
    public async Task Proxy_AccessLog_OneLinePerRequestWithUpstreamAndIngress()
    {
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("logged", "timonel", Rule("log.test", Path("/", "Prefix", "a"))), fixture.Namespace);
        await WaitForAsync(Http("log.test", "/first"), HttpStatusCode.OK, "A /first");

        using var client = fixture.HttpClient();
        using var answer = await client.GetAsync(Http("log.test", "/logged/once?q=1"));
        using var missing = await client.GetAsync(Http("log-none.test", "/nothing"));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var lines = fixture.AccessLog.Lines;
        var served = Assert.Single(lines, l => l.Contains("/logged/once", StringComparison.Ordinal));
        Assert.Matches(@"^Information 127\.0\.0\.1 ""GET http://log\.test/logged/once HTTP/1\.1"" 200 upstream=127\.0\.0\.1:\d+ ingress=" + System.Text.RegularExpressions.Regex.Escape($"{fixture.Namespace}/logged") + @" \d+\.\dms$", served);
        var notFound = Assert.Single(lines, l => l.Contains("log-none.test", StringComparison.Ordinal));
        Assert.Matches(@"^Information 127\.0\.0\.1 ""GET http://log-none\.test/nothing HTTP/1\.1"" 404 upstream=- ingress=- \d+\.\dms$", notFound);
    }

    [Fact]
    public async Task Proxy_NoRuleOrNoBackend_AnswersWhy()
    {
        await fixture.CreateServiceAsync("unready", 1, ready: false);
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("why", "timonel",
            Rule("why.test", Path("/exact", "Exact", "a"), Path("/missing", "Prefix", "nope"), Path("/unready", "Prefix", "unready"))), fixture.Namespace);

        await WaitForAsync(Http("why.test", "/exact"), HttpStatusCode.OK, "A /exact");
        await WaitForAsync(Http("why.test", "/elsewhere"), HttpStatusCode.NotFound, "no ingress rule matches host why.test path /elsewhere");
        await WaitForAsync(Http("unknown.test", "/x"), HttpStatusCode.NotFound, "no ingress rule matches host unknown.test path /x");
        await WaitForAsync(Http("why.test", "/missing"), HttpStatusCode.ServiceUnavailable, $"service {fixture.Namespace}/nope not found");
        await WaitForAsync(Http("why.test", "/unready/x"), HttpStatusCode.ServiceUnavailable, $"service {fixture.Namespace}/unready has no ready endpoints");
        // The broken rule did not stop the others.
        await WaitForAsync(Http("why.test", "/exact"), HttpStatusCode.OK, "A /exact");

        var events = await Eventually.WaitAsync(async ct =>
        {
            var list = await fixture.Client.CoreV1.ListNamespacedEventAsync(fixture.Namespace, fieldSelector: "involvedObject.name=why", cancellationToken: ct);
            return list.Items.FirstOrDefault(e => e.Reason == "ServiceNotFound");
        }, Timeout, "a ServiceNotFound event on Ingress why");
        Assert.Equal("Warning", events.Type);
        Assert.Equal($"service {fixture.Namespace}/nope not found", events.Message);
    }

    [Fact]
    public async Task Proxy_OtherClass_LeftAlone()
    {
        // Seen served first under our class, so the test can see routing happen at all.
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("theirs", "timonel", Rule("theirs.test", Path("/", "Prefix", "a"))), fixture.Namespace);
        await WaitForAsync(Http("theirs.test", "/"), HttpStatusCode.OK, "A /");

        await fixture.Client.NetworkingV1.CreateIngressClassAsync(new V1IngressClass { Metadata = new V1ObjectMeta { Name = "other" }, Spec = new V1IngressClassSpec { Controller = "example.com/other" } });
        var ingress = await fixture.Client.NetworkingV1.ReadNamespacedIngressAsync("theirs", fixture.Namespace);
        ingress.Spec.IngressClassName = "other";
        await fixture.Client.NetworkingV1.ReplaceNamespacedIngressAsync(ingress, "theirs", fixture.Namespace);

        await WaitForAsync(Http("theirs.test", "/"), HttpStatusCode.NotFound, "no ingress rule matches host theirs.test");
    }

    [Fact]
    public async Task Proxy_TlsSecret_ServedBySniWithRedirectHttp2AndRotation()
    {
        await fixture.CreateTlsSecretAsync("secure-tls", "secure.test");
        var ingress = Ingress("secure", "timonel", Rule("secure.test", Path("/", "Prefix", "a")));
        ingress.Spec.Tls = [new V1IngressTLS { Hosts = ["secure.test"], SecretName = "secure-tls" }];
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(ingress, fixture.Namespace);

        var body = await WaitForAsync(Https("secure.test", "/s"), HttpStatusCode.OK, "A /s");
        Assert.EndsWith("proto=https", body, StringComparison.Ordinal);

        using (var plain = fixture.HttpClient())
        using (var redirect = await plain.GetAsync(Http("secure.test", "/s?q=1")))
        {
            Assert.Equal(HttpStatusCode.PermanentRedirect, redirect.StatusCode);
            Assert.Equal($"https://secure.test:{fixture.HttpsPort}/s?q=1", redirect.Headers.Location?.ToString());
        }

        X509Certificate2? seen = null;
        using (var h2 = fixture.HttpClient(c => seen = c))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Https("secure.test", "/h2")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await h2.SendAsync(request);
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.StartsWith("A /h2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var firstSerial = seen!.SerialNumber;
        var (cert, key, serial) = fixture.Certificates.Issue("secure.test");
        var secret = await fixture.Client.CoreV1.ReadNamespacedSecretAsync("secure-tls", fixture.Namespace);
        secret.Data["tls.crt"] = Encoding.UTF8.GetBytes(cert);
        secret.Data["tls.key"] = Encoding.UTF8.GetBytes(key);
        await fixture.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, "secure-tls", fixture.Namespace);

        await Eventually.WaitAsync(async ct =>
        {
            X509Certificate2? now = null;
            using var client = fixture.HttpClient(c => now = c);
            using var response = await client.GetAsync(Https("secure.test", "/rotated"), ct);
            return response.IsSuccessStatusCode && now?.SerialNumber == serial;
        }, Timeout, "the rotated certificate to be served");
        Assert.NotEqual(firstSerial, serial);
    }

    [Fact]
    public async Task Proxy_WebSocketAndLiveChange_ChangeTakesEffectWithoutDroppingTheSocket()
    {
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("live", "timonel", Rule("live.test", Path("/", "Prefix", "b"))), fixture.Namespace);
        await WaitForAsync(Http("live.test", "/before"), HttpStatusCode.OK, "B /before");

        using var socket = new ClientWebSocket();
        using var invoker = new HttpMessageInvoker(fixture.Handler());
        await socket.ConnectAsync(new Uri($"ws://live.test:{fixture.HttpPort}/ws"), invoker, CancellationToken.None);
        Assert.Equal("ping", await EchoAsync(socket, "ping"));

        var ingress = await fixture.Client.NetworkingV1.ReadNamespacedIngressAsync("live", fixture.Namespace);
        ingress.Spec.Rules[0].Http.Paths[0].Backend.Service.Name = "a";
        await fixture.Client.NetworkingV1.ReplaceNamespacedIngressAsync(ingress, "live", fixture.Namespace);

        await WaitForAsync(Http("live.test", "/after"), HttpStatusCode.OK, "A /after");
        Assert.Equal("still open", await EchoAsync(socket, "still open"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task Controller_ServedIngress_StatusHasNodeAddressAndDefaultClassExists()
    {
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(Ingress("status", null, Rule("status.test", Path("/", "Prefix", "a"))), fixture.Namespace);

        var ip = await Eventually.WaitAsync(async ct =>
        {
            var ingress = await fixture.Client.NetworkingV1.ReadNamespacedIngressAsync("status", fixture.Namespace, cancellationToken: ct);
            return ingress.Status?.LoadBalancer?.Ingress?.FirstOrDefault()?.Ip;
        }, Timeout, "status.loadBalancer.ingress");
        Assert.Equal("127.0.0.1", ip);

        var cls = await fixture.Client.NetworkingV1.ReadIngressClassAsync(IngressClassSelection.DefaultClassName);
        Assert.Equal(IngressClassSelection.ControllerName, cls.Spec.Controller);
        Assert.Equal("true", cls.Metadata.Annotations[IngressClassSelection.DefaultClassAnnotation]);
    }

    [Fact]
    public async Task Proxy_TlsSecretWithIntermediate_HandshakeSendsTheChain()
    {
        await fixture.CreateTlsSecretAsync("chained-tls", "chained.test", viaIntermediate: true);
        var ingress = Ingress("chained", "timonel", Rule("chained.test", Path("/", "Prefix", "b")));
        ingress.Spec.Tls = [new V1IngressTLS { Hosts = ["chained.test"], SecretName = "chained-tls" }];
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(ingress, fixture.Namespace);

        // The client trusts the root only: the handshake succeeds only if the proxy sent the intermediate.
        await WaitForAsync(Https("chained.test", "/c"), HttpStatusCode.OK, "B /c");
    }

    [Fact]
    public async Task Proxy_MissingTlsSecret_EventAndDefaultCertificateOthersServed()
    {
        var ingress = Ingress("nosecret", "timonel", Rule("nosecret.test", Path("/", "Prefix", "a")), Rule("fine.nosecret.test", Path("/", "Prefix", "b")));
        ingress.Spec.Tls = [new V1IngressTLS { Hosts = ["nosecret.test"], SecretName = "absent" }];
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(ingress, fixture.Namespace);

        await WaitForAsync(Http("fine.nosecret.test", "/"), HttpStatusCode.OK, "B /");
        var warning = await Eventually.WaitAsync(async ct =>
        {
            var list = await fixture.Client.CoreV1.ListNamespacedEventAsync(fixture.Namespace, fieldSelector: "involvedObject.name=nosecret", cancellationToken: ct);
            return list.Items.FirstOrDefault(e => e.Reason == "SecretNotFound");
        }, Timeout, "a SecretNotFound event on Ingress nosecret");
        Assert.Equal($"secret {fixture.Namespace}/absent not found", warning.Message);

        X509Certificate2? seen = null;
        using var client = fixture.HttpClient(c => seen = c);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(Https("nosecret.test", "/")));
        Assert.Equal("CN=Timonel Ingress Default Certificate", seen?.Subject);
    }

    [Fact]
    public async Task IngressIdentity_OutsideItsRole_Forbidden()
    {
        using var client = fixture.IngressClient;
        // Inside the role: seen allowed, so the refusal below is the role's doing.
        await client.CoreV1.ListSecretForAllNamespacesAsync();

        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ListPodForAllNamespacesAsync());
        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "planted" } }, fixture.Namespace));
        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        var secrets = await fixture.Client.CoreV1.ListNamespacedSecretAsync(fixture.Namespace);
        Assert.DoesNotContain(secrets.Items, s => s.Metadata.Name == "planted");
    }

    private static async Task<string> EchoAsync(ClientWebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }
}
