using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer;
using Timonel.Ingress.Hosting;
using Timonel.Ingress.Proxy;
using Timonel.Storage;
using Timonel.Storage.Memory;

namespace Timonel.Cli.Bench;

/// <summary>
/// `timonel bench proxy --only ingress` (issue 20, figures): the built-in ingress controller in
/// process against a private in-process API server, two small HTTP backends on loopback behind
/// selector-less Services with hand-written EndpointSlices. Measures requests/s and p99 through
/// the ingress versus straight to a backend (same client, same run, alternating), and the time
/// from an Ingress write to the proxy answering from the new backend. Loopback only, no root.
/// </summary>
internal static class IngressBench
{
    private const string Ns = "bench";
    private const string Host = "bench.example.test";

    public static async Task RunAsync(int clients, TimeSpan duration, int changes, CancellationToken cancellationToken)
    {
        Console.WriteLine($"ingress benchmark: {clients} concurrent clients (keep-alive HTTP/1.1), {duration.TotalSeconds:F0} s per run, {Environment.ProcessorCount} CPUs, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        await using var alpha = await StartBackendAsync("alpha", cancellationToken).ConfigureAwait(false);
        await using var beta = await StartBackendAsync("beta", cancellationToken).ConfigureAwait(false);
        var dataDir = Directory.CreateTempSubdirectory("timonel-bench-ingress-api-").FullName;
        var store = new MemoryStore();
        try
        {
            await using var api = await ApiServerHost.StartAsync(new ApiServerOptions { DataDir = dataDir, Port = FreePort() }, _ => Task.FromResult<IStore>(store), NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(api.KubeconfigPath));
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var (name, port) in new[] { ("alpha", alpha.Port), ("beta", beta.Port) })
            {
                await client.CoreV1.CreateNamespacedServiceAsync(ServiceObject(name), Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(SliceObject(name, port), Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await client.NetworkingV1.CreateNamespacedIngressAsync(IngressObject("alpha"), Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            var options = new IngressControllerOptions
            {
                NodeName = "bench-node",
                Proxy = new IngressProxyOptions { ListenAddress = IPAddress.Loopback, HttpPort = 0, HttpsPort = 0 },
            };
            var started = Stopwatch.StartNew();
            await using var controller = await IngressController.StartAsync(client, options, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            var ingressUrl = new Uri($"http://{controller.Proxy.HttpEndPoint}/");
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(10) };
            await WaitForBodyAsync(http, ingressUrl, "alpha", cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"controller started and serving in {started.Elapsed.TotalMilliseconds:F0} ms (access log off: the bench's loggers are null)");

            var directUrl = new Uri($"http://127.0.0.1:{alpha.Port}/");
            var direct = new List<RateResult>();
            var viaIngress = new List<RateResult>();
            for (var round = 0; round < 2; round++)
            {
                direct.Add(await LoadAsync(http, directUrl, clients, duration, cancellationToken).ConfigureAwait(false));
                viaIngress.Add(await LoadAsync(http, ingressUrl, clients, duration, cancellationToken).ConfigureAwait(false));
            }

            Report("direct to backend", direct);
            Report("through the ingress", viaIngress);
            Console.WriteLine($"ratio ingress/direct requests/s: {viaIngress.Average(r => r.PerSecond) / direct.Average(r => r.PerSecond):F2}");

            // Ingress change → in effect: flip the backend, poll through the proxy until the new body answers.
            var latencies = new List<double>();
            for (var k = 0; k < changes; k++)
            {
                var target = k % 2 == 0 ? "beta" : "alpha";
                var existing = await client.NetworkingV1.ReadNamespacedIngressAsync("web", Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                var next = IngressObject(target);
                next.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                var written = Stopwatch.GetTimestamp();
                await client.NetworkingV1.ReplaceNamespacedIngressAsync(next, "web", Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                await WaitForBodyAsync(http, ingressUrl, target, cancellationToken).ConfigureAwait(false);
                latencies.Add(Stopwatch.GetElapsedTime(written).TotalMilliseconds);
            }

            var sorted = latencies.Order().ToArray();
            Console.WriteLine($"Ingress change → in effect ({sorted.Length} changes, write → first answer from the new backend): p50 {Percentile(sorted, 0.50):F0} ms, p99 {Percentile(sorted, 0.99):F0} ms, max {sorted[^1]:F0} ms");
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp dir is harmless.
            }
        }
    }

    private static void Report(string what, List<RateResult> runs)
    {
        var latencies = Latencies.Merge(runs.Select(r => r.Latencies));
        var failed = runs.Sum(r => r.Failed);
        Console.WriteLine($"{what}: {runs.Average(r => r.PerSecond):F0} requests/s (runs {string.Join(", ", runs.Select(r => r.PerSecond.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}), p50 {latencies.PercentileMs(50):F2} ms, p99 {latencies.PercentileMs(99):F2} ms, {failed} failed{(runs.FirstOrDefault(r => r.FirstError is not null)?.FirstError is { } e ? $" (first: {e})" : "")}");
    }

    private static Task<RateResult> LoadAsync(HttpClient http, Uri url, int clients, TimeSpan duration, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync(url.ToString(), clients, count: null, duration, serverPid: null, async (_, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Host = Host;
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            return await ClosedLoop.FailureOfAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Polls through the proxy (no pause: the figure is the proxy's, not a poll interval's) until it answers <paramref name="body"/>; 30 s at most.</summary>
    private static async Task WaitForBodyAsync(HttpClient http, Uri url, string body, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Host = Host;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
                if (response.IsSuccessStatusCode && last.EndsWith(body, StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
        }

        throw new TimeoutException($"the ingress did not answer \"{body}\" within 30 s (last: {last})");
    }

    private sealed class Backend(WebApplication app, int port) : IAsyncDisposable
    {
        public int Port => port;

        public async ValueTask DisposeAsync() => await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A Kestrel server on a free loopback port answering <paramref name="body"/> to every request.</summary>
    private static async Task<Backend> StartBackendAsync(string body, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync(body, context.RequestAborted));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Backend(app, new Uri(address).Port);
    }

    private static V1Service ServiceObject(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec { Type = "ClusterIP", Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" }] },
    };

    private static V1EndpointSlice SliceObject(string service, int port) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{service}-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port, Protocol = "TCP" }],
        Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = true } }],
    };

    private static V1Ingress IngressObject(string service) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web" },
        Spec = new V1IngressSpec
        {
            Rules =
            [
                new V1IngressRule
                {
                    Host = Host,
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Number = 80 } } } }],
                    },
                },
            ],
        },
    };

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
