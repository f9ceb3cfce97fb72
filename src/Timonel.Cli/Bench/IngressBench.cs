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
/// this process against a private in-process API server. Throughput: a load client process
/// (`bench http-load`: HTTP/1.1 keep-alive, closed loop) sends GETs to a backend process (`bench
/// http-backend`) either straight to it or through the ingress, alternating, at each concurrency
/// and backend kind; this process's CPU during a run through the ingress is the proxy's. Then the
/// time from an Ingress write to the proxy answering from the new backend. Loopback only, no
/// root: "direct" is straight to the backend's address, not through a ClusterIP.
/// </summary>
internal static class IngressBench
{
    private const string Ns = "bench";
    private const string Host = "bench.example.test";

    /// <summary>What to measure: backend kinds × concurrency levels, each run <see cref="Rounds"/> times per path.</summary>
    public sealed record Options(IReadOnlyList<int> Concurrency, IReadOnlyList<string> Kinds, int Rounds, TimeSpan Duration, int Changes, bool AccessLog);

    private sealed record Run(HttpLoadClient.Result Load, double ProxyCpu, double BackendCpu, double? MachineBusy)
    {
        public double? OtherCpu => MachineBusy is { } m ? Math.Max(0, m - ProxyCpu - BackendCpu - Load.CpuSeconds) : null;
    }

    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        Console.WriteLine($"ingress benchmark: {Environment.ProcessorCount} CPUs, load average {LoadAverage()}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; " +
            $"backends {string.Join(", ", options.Kinds)}; concurrency {string.Join(", ", options.Concurrency)}; {options.Rounds} rounds of {options.Duration.TotalSeconds:F0} s per path (direct and through the ingress alternate), 1 s warm-up each; " +
            $"client and backend in their own processes; access log {(options.AccessLog ? "on (JSON lines on stderr)" : "off")}");
        await using var alpha = await StartBackendAsync("alpha", cancellationToken).ConfigureAwait(false);
        await using var beta = await StartBackendAsync("beta", cancellationToken).ConfigureAwait(false);
        var loadBackends = new Dictionary<string, (BenchChild Process, int Port)>(StringComparer.Ordinal);
        var dataDir = Directory.CreateTempSubdirectory("timonel-bench-ingress-api-").FullName;
        var store = new MemoryStore();
        using var accessLoggers = options.AccessLog ? Logging.Create(LogLevel.Information) : null;
        try
        {
            foreach (var kind in options.Kinds)
            {
                var child = BenchChild.Start("http-backend", "--kind", kind);
                loadBackends[kind] = (child, 0);
                var line = await child.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                loadBackends[kind] = (child, int.Parse(line["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }

            await using var api = await ApiServerHost.StartAsync(new ApiServerOptions { DataDir = dataDir, Port = FreePort() }, _ => Task.FromResult<IStore>(store), NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(api.KubeconfigPath));
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var (name, port) in new[] { ("alpha", alpha.Port), ("beta", beta.Port) }.Concat(loadBackends.Select(b => ($"load-{b.Key}", b.Value.Port))))
            {
                await client.CoreV1.CreateNamespacedServiceAsync(ServiceObject(name), Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(SliceObject(name, port), Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await client.NetworkingV1.CreateNamespacedIngressAsync(IngressObject("web", [(Host, "alpha")]), Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            await client.NetworkingV1.CreateNamespacedIngressAsync(IngressObject("load", [.. options.Kinds.Select(k => (LoadHost(k), $"load-{k}"))]), Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            var controllerOptions = new IngressControllerOptions
            {
                NodeName = "bench-node",
                Proxy = new IngressProxyOptions { ListenAddress = IPAddress.Loopback, HttpPort = 0, HttpsPort = 0 },
            };
            var started = Stopwatch.StartNew();
            await using var controller = await IngressController.StartAsync(client, controllerOptions, (ILoggerFactory?)accessLoggers ?? NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            var ingressUrl = new Uri($"http://{controller.Proxy.HttpEndPoint}/");
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(10) };
            await WaitForBodyAsync(http, ingressUrl, Host, "alpha", cancellationToken).ConfigureAwait(false);
            foreach (var kind in options.Kinds)
            {
                await WaitForBodyAsync(http, ingressUrl, LoadHost(kind), kind == "body16k" ? "xxxx" : "hello", cancellationToken).ConfigureAwait(false);
            }

            Console.WriteLine($"controller started and serving in {started.Elapsed.TotalMilliseconds:F0} ms");
            var table = new List<string>();
            foreach (var kind in options.Kinds)
            {
                var backend = loadBackends[kind];
                foreach (var concurrency in options.Concurrency)
                {
                    var direct = new List<Run>();
                    var viaIngress = new List<Run>();
                    for (var round = 0; round < options.Rounds; round++)
                    {
                        direct.Add(await LoadAsync(new IPEndPoint(IPAddress.Loopback, backend.Port), LoadHost(kind), concurrency, options.Duration, backend.Process.Pid, cancellationToken).ConfigureAwait(false));
                        viaIngress.Add(await LoadAsync(controller.Proxy.HttpEndPoint, LoadHost(kind), concurrency, options.Duration, backend.Process.Pid, cancellationToken).ConfigureAwait(false));
                    }

                    table.Add(Report(kind, concurrency, direct, viaIngress));
                }
            }

            Console.WriteLine();
            Console.WriteLine("| backend | concurrency | direct to backend: req/s, p50 / p99 | through the ingress: req/s, p50 / p99 | ingress / direct | proxy CPU per request | other load |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            foreach (var row in table)
            {
                Console.WriteLine(row);
            }

            Console.WriteLine();

            // Ingress change → in effect: flip the backend, poll through the proxy until the new body answers.
            var latencies = new List<double>();
            for (var k = 0; k < options.Changes; k++)
            {
                var target = k % 2 == 0 ? "beta" : "alpha";
                var existing = await client.NetworkingV1.ReadNamespacedIngressAsync("web", Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                var next = IngressObject("web", [(Host, target)]);
                next.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                var written = Stopwatch.GetTimestamp();
                await client.NetworkingV1.ReplaceNamespacedIngressAsync(next, "web", Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                await WaitForBodyAsync(http, ingressUrl, Host, target, cancellationToken).ConfigureAwait(false);
                latencies.Add(Stopwatch.GetElapsedTime(written).TotalMilliseconds);
            }

            var sorted = latencies.Order().ToArray();
            Console.WriteLine($"Ingress change → in effect ({sorted.Length} changes, write → first answer from the new backend): p50 {Percentile(sorted, 0.50):F0} ms, p99 {Percentile(sorted, 0.99):F0} ms, max {sorted[^1]:F0} ms");
            Console.WriteLine($"load average at the end: {LoadAverage()}");
        }
        finally
        {
            foreach (var (child, _) in loadBackends.Values)
            {
                await child.DisposeAsync().ConfigureAwait(false);
            }

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

    private static string LoadHost(string kind) => $"{kind}.load.test";

    /// <summary>One measured run: a load client process against <paramref name="target"/>; this process's and the backend's CPU over its measured part.</summary>
    private static async Task<Run> LoadAsync(IPEndPoint target, string host, int concurrency, TimeSpan duration, int backendPid, CancellationToken cancellationToken)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        await using var load = BenchChild.Start("http-load", "--target", target.ToString(), "--host", host, "--concurrency", concurrency.ToString(c),
            "--seconds", duration.TotalSeconds.ToString("R", c), "--warmup-seconds", "1");
        var line = await load.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line != HttpLoadCommands.MeasuringLine)
        {
            throw new InvalidOperationException($"unexpected output of the load client: {line}");
        }

        var proxy0 = ProcessStats.OwnCpuSeconds();
        var backend0 = ProcessStats.CpuSeconds(backendPid) ?? 0;
        var machine0 = ProcessStats.MachineBusySeconds();
        var result = HttpLoadClient.Result.Parse(await load.ReadLineAsync(cancellationToken).ConfigureAwait(false));
        var proxy = ProcessStats.OwnCpuSeconds() - proxy0;
        var backend = (ProcessStats.CpuSeconds(backendPid) ?? 0) - backend0;
        double? machine = machine0 is { } m0 && ProcessStats.MachineBusySeconds() is { } m1 ? m1 - m0 : null;
        return new Run(result, proxy, backend, machine);
    }

    /// <summary>Prints the two paths of one backend kind and concurrency; returns the markdown row.</summary>
    private static string Report(string kind, int concurrency, List<Run> direct, List<Run> viaIngress)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        string Path(string what, List<Run> runs)
        {
            var ok = runs.Sum(r => r.Load.Ok);
            var failed = runs.Sum(r => r.Load.Failed);
            var error = runs.Select(r => r.Load.FirstError).FirstOrDefault(e => e is not null);
            return string.Create(c, $"  {what}: {runs.Average(r => r.Load.PerSecond):F0} req/s (runs {string.Join(", ", runs.Select(r => r.Load.PerSecond.ToString("F0", c)))}), " +
                $"p50 {Median(runs.Select(r => r.Load.P50Ms)):F2} ms, p99 {Median(runs.Select(r => r.Load.P99Ms)):F2} ms, {failed} failed{(error is null ? "" : $" (first: {error})")}; " +
                $"CPU µs per request: this process {PerRequest(runs.Sum(r => r.ProxyCpu), ok):F0}, backend {PerRequest(runs.Sum(r => r.BackendCpu), ok):F0}, client {PerRequest(runs.Sum(r => r.Load.CpuSeconds), ok):F0}; " +
                $"other load {OtherCores(runs):F2} cores");
        }

        var ratio = viaIngress.Average(r => r.Load.PerSecond) / direct.Average(r => r.Load.PerSecond);
        Console.WriteLine(string.Create(c, $"backend {kind}, {concurrency} connections: ingress/direct requests/s {ratio:F2}"));
        Console.WriteLine(Path("direct to backend", direct));
        Console.WriteLine(Path("through the ingress", viaIngress));
        var ingressOk = viaIngress.Sum(r => r.Load.Ok);
        return string.Create(c, $"| {kind} | {concurrency} | {direct.Average(r => r.Load.PerSecond):N0}/s, {Median(direct.Select(r => r.Load.P50Ms)):F2} / {Median(direct.Select(r => r.Load.P99Ms)):F2} ms " +
            $"| {viaIngress.Average(r => r.Load.PerSecond):N0}/s, {Median(viaIngress.Select(r => r.Load.P50Ms)):F2} / {Median(viaIngress.Select(r => r.Load.P99Ms)):F2} ms " +
            $"| {ratio:F2} | {PerRequest(viaIngress.Sum(r => r.ProxyCpu), ingressOk):F0} µs | {OtherCores(direct.Concat(viaIngress)):F2} cores |");
    }

    private static double PerRequest(double cpuSeconds, int requests) => requests == 0 ? double.NaN : cpuSeconds / requests * 1e6;

    /// <summary>Cores busy with work outside the three measured processes (other helpers' builds), averaged over the runs.</summary>
    private static double OtherCores(IEnumerable<Run> runs)
    {
        var measured = runs.Where(r => r.OtherCpu is not null).ToList();
        return measured.Count == 0 ? double.NaN : measured.Sum(r => r.OtherCpu!.Value) / measured.Sum(r => r.Load.Seconds);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>Polls through the proxy (no pause: the figure is the proxy's, not a poll interval's) until it answers <paramref name="body"/>; 30 s at most.</summary>
    private static async Task WaitForBodyAsync(HttpClient http, Uri url, string host, string body, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Host = host;
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

    private static V1Ingress IngressObject(string name, IEnumerable<(string Host, string Service)> rules) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1IngressSpec
        {
            Rules =
            [
                .. rules.Select(r => new V1IngressRule
                {
                    Host = r.Host,
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = r.Service, Port = new V1ServiceBackendPort { Number = 80 } } } }],
                    },
                }),
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
