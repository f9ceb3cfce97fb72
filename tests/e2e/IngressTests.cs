using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// The node agent's built-in ingress controller with real pods (issue 20): two busybox httpd
/// Deployments behind two Services, one Ingress with two hosts, paths and TLS from a Secret made
/// here, requests sent with curl from inside the node's namespace to the node's address.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class IngressTests : IClassFixture<IngressCluster>
{
    private const string Alpha = "alpha.example.test";
    private const string Beta = "beta.example.test";
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    private readonly IngressCluster cluster;

    public IngressTests(IngressCluster cluster)
    {
        this.cluster = cluster;
    }

    [NodeFact]
    public async Task Ingress_TwoHostsPathsAndTls_RoutesEachToItsPodsRedirectsAndFollowsChanges()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("ing");
        var pki = Directory.CreateTempSubdirectory("timonel-e2e-ingress-").FullName;
        try
        {
            var caFile = await WriteTlsAsync(pki, [Alpha, Beta]);
            KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "secret", "tls", "web-tls", $"--cert={Path.Combine(pki, "tls.crt")}", $"--key={Path.Combine(pki, "tls.key")}"));
            KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(string.Join("\n---\n", Backend(ns, "alpha"), Backend(ns, "beta"))));
            KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Ingress(ns, betaRootService: "beta")));
            var node = cluster.Agents[0];
            var client = new NodeCurl(node.Host, node.Host.Address!.ToString(), caFile);

            // Each host and path reaches its own pods, over TLS checked against the test's CA.
            await ExpectAsync(client, $"https://{Alpha}/hello", 200, "alpha", node);
            await ExpectAsync(client, $"https://{Alpha}/api/hello", 200, "beta", node);
            await ExpectAsync(client, $"https://{Beta}/hello", 200, "beta", node);

            // A host no rule names: the controller's own 404 that says why.
            var wrong = await client.GetAsync("http://other.example.test/hello");
            Assert.True(wrong.Code == 404, wrong.ToString());
            Assert.Contains("no ingress rule matches host other.example.test", wrong.Body, StringComparison.Ordinal);

            // Plain HTTP to a TLS host: 308 to the same URL over https.
            var plain = await client.GetAsync($"http://{Alpha}/hello?x=1");
            Assert.True(plain.Code == 308, plain.ToString());
            Assert.Equal($"https://{Alpha}/hello?x=1", plain.Location);

            // The node's address in the Ingress's status.
            await Eventually.WaitAsync(
                async _ => await cluster.Kubectl.JsonPathAsync(ns, "ingress/web", "{.status.loadBalancer.ingress[*].ip}") == node.Host.Address!.ToString(),
                Converge,
                "status.loadBalancer.ingress lists the node's address");

            // A live change: beta's root now goes to alpha's pods, a new host appears; the rest stays.
            KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Ingress(ns, betaRootService: "alpha", extraHost: "gamma.example.test")));
            await ExpectAsync(client, $"https://{Beta}/hello", 200, "alpha", node);
            await ExpectAsync(client, "http://gamma.example.test/hello", 200, "beta", node);
            await ExpectAsync(client, $"https://{Alpha}/api/hello", 200, "beta", node);

            // The Ingress deleted: its hosts are no longer taken.
            KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "delete", "ingress", "web"));
            await ExpectAsync(client, "http://gamma.example.test/hello", 404, "no ingress rule matches host gamma.example.test", node);
        }
        finally
        {
            Directory.Delete(pki, recursive: true);
            await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false");
        }
    }

    private static async Task ExpectAsync(NodeCurl client, string url, int code, string body, AgentProcess node)
    {
        CurlResult? last = null;
        await Eventually.WaitAsync(
            async _ =>
            {
                last = await client.GetAsync(url);
                return last.Code == code && last.Body.Contains(body, StringComparison.Ordinal);
            },
            Converge,
            $"{url} answers {code} with \"{body}\"; last:\n{last}\n--- agent\n{node.LogTail(15)}");
    }

    /// <summary>Writes a test CA (ca.crt) and a leaf for <paramref name="hosts"/> signed by it (tls.crt, tls.key) into <paramref name="dir"/>; returns the CA's path.</summary>
    private static async Task<string> WriteTlsAsync(string dir, IReadOnlyList<string> hosts)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=timonel e2e ingress CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest($"CN={hosts[0]}", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            names.AddDnsName(host);
        }

        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = leafRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        var caFile = Path.Combine(dir, "ca.crt");
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.crt"), leaf.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(dir, "tls.key"), leafKey.ExportPkcs8PrivateKeyPem());
        return caFile;
    }

    /// <summary>A Deployment of busybox httpd pods that answer <paramref name="name"/> on /hello and /api/hello, and its Service (port 80 named http → 8080).</summary>
    private static string Backend(string ns, string name) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: {{name}}, namespace: {{ns}} }
        spec:
          replicas: 1
          selector: {matchLabels: {app: {{name}}} }
          template:
            metadata: {labels: {app: {{name}}} }
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: httpd
                image: {{AgentProcess.BusyboxImage}}
                command: [sh, -c, "mkdir -p /www/api && echo {{name}} > /www/hello && echo {{name}} > /www/api/hello && exec httpd -f -p 8080 -h /www"]
                ports: [{name: http, containerPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: {{ns}} }
        spec:
          selector: {app: {{name}} }
          ports: [{name: http, port: 80, targetPort: http}]
        """;

    /// <summary>alpha: / → alpha, /api → beta (by port name); beta: / → <paramref name="betaRootService"/>; TLS for both; optionally a plain-HTTP host → beta.</summary>
    private static string Ingress(string ns, string betaRootService, string? extraHost = null)
    {
        var extra = extraHost is null ? string.Empty : ExtraRule(extraHost);
        return $$"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: {{ns}} }
        spec:
          tls:
          - hosts: [{{Alpha}}, {{Beta}}]
            secretName: web-tls
          rules:
          - host: {{Alpha}}
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: alpha, port: {number: 80} } } }
              - {path: /api, pathType: Prefix, backend: {service: {name: beta, port: {name: http} } } }
          - host: {{Beta}}
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: {{betaRootService}}, port: {number: 80} } } }
        {{extra}}
        """;
    }

    private static string ExtraRule(string host) => $$"""
          - host: {{host}}
            http:
              paths:
              - {path: /hello, pathType: Exact, backend: {service: {name: beta, port: {number: 80} } } }
        """;

    /// <summary>What curl got: status, body, Location.</summary>
    private sealed record CurlResult(int Code, string Body, string Location, string Raw)
    {
        public override string ToString() => Raw;
    }

    /// <summary>curl run inside a host's namespace, every name resolved to <paramref name="address"/> (the node), TLS checked against <paramref name="caFile"/>.</summary>
    private sealed class NodeCurl(NetworkHost host, string address, string caFile)
    {
        private const string Marker = "\n--curl--";

        /// <summary>GET <paramref name="url"/>; <paramref name="curlArgs"/> go before it (headers: "-H", "name: value").</summary>
        public async Task<CurlResult> GetAsync(string url, params string[] curlArgs)
        {
            var uri = new Uri(url);
            var result = await host.ExecAsync(
                TimeSpan.FromSeconds(15),
                [
                    "curl", "-sS", "--max-time", "5",
                    "--resolve", $"{uri.Host}:{uri.Port}:{address}",
                    "--cacert", caFile,
                    "-w", Marker + "%{http_code} %{redirect_url}",
                    .. curlArgs,
                    url,
                ]);
            var at = result.Stdout.LastIndexOf(Marker, StringComparison.Ordinal);
            if (!result.Succeeded || at < 0)
            {
                return new CurlResult(0, string.Empty, string.Empty, result.ToString());
            }

            var tail = result.Stdout[(at + Marker.Length)..].Split(' ', 2);
            return new CurlResult(int.Parse(tail[0], System.Globalization.CultureInfo.InvariantCulture), result.Stdout[..at], tail.Length > 1 ? tail[1].Trim() : string.Empty, result.ToString());
        }
    }
}
