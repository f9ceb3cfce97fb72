using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer;
using Timonel.Proxy;
using Timonel.Proxy.Model;
using Timonel.Proxy.Nft;
using Timonel.Storage;
using Timonel.Storage.Memory;

namespace Timonel.Cli.Bench;

/// <summary>
/// `timonel bench proxy` (issue 8, figures): with S Services of E endpoints each in a private
/// in-process API server, the time from an EndpointSlice write to its rule applied in the
/// kernel (p50/p99), and HTTP request throughput through a ClusterIP versus straight to the pod
/// IP in the same run. Everything runs in network namespaces it creates; it prints figures and
/// never fails on a timing.
/// </summary>
internal static class ProxyBenchCommand
{
    public static Command Create()
    {
        var services = new Option<int>("--services") { Description = "Services to create", DefaultValueFactory = _ => 1000 };
        var endpoints = new Option<int>("--endpoints-per-service") { Description = "Endpoints of each Service", DefaultValueFactory = _ => 10 };
        var changes = new Option<int>("--changes") { Description = "Endpoint changes to time", DefaultValueFactory = _ => 200 };
        var rate = new Option<double>("--change-rate") { Description = "Endpoint changes per second", DefaultValueFactory = _ => 20 };
        var requests = new Option<int>("--requests") { Description = "HTTP requests per client per throughput run", DefaultValueFactory = _ => 300 };
        var clients = new Option<int>("--clients") { Description = "Concurrent HTTP clients (curl processes)", DefaultValueFactory = _ => 4 };
        var only = new Option<string[]>("--only") { Description = "Run only these measurements: service (the service proxy, root), ingress (the ingress controller on loopback)", AllowMultipleArgumentsPerToken = true };
        var ingressSeconds = new Option<double>("--ingress-seconds") { Description = "Length of each measured ingress throughput run", DefaultValueFactory = _ => 5 };
        var ingressChanges = new Option<int>("--ingress-changes") { Description = "Ingress changes to time", DefaultValueFactory = _ => 20 };
        var ingressConcurrency = new Option<int[]>("--ingress-concurrency") { Description = "Keep-alive connections of the ingress load client, one run per value (e.g. 4,32)", DefaultValueFactory = _ => [4, 32], AllowMultipleArgumentsPerToken = true };
        var ingressBackends = new Option<string[]>("--ingress-backends") { Description = $"Backend kinds measured behind the ingress: {string.Join(", ", HttpLoadBackend.Kinds)}", DefaultValueFactory = _ => HttpLoadBackend.Kinds, AllowMultipleArgumentsPerToken = true };
        var ingressRounds = new Option<int>("--ingress-rounds") { Description = "Runs per path (direct, through the ingress; alternating) for each backend and concurrency", DefaultValueFactory = _ => 3 };
        var ingressAccessLog = new Option<bool>("--ingress-access-log") { Description = "Ingress access log on (the agent's JSON lines, on stderr) during the ingress measurements" };
        var command = new Command("proxy", "Measure the service proxy (endpoint change → rule in effect, ClusterIP vs pod IP throughput) and the ingress (throughput vs direct, change → in effect)");
        foreach (var o in new Option[] { services, endpoints, changes, rate, requests, clients, only, ingressSeconds, ingressChanges, ingressConcurrency, ingressBackends, ingressRounds, ingressAccessLog })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var s = parse.GetValue(services);
            var e = parse.GetValue(endpoints);
            var c = parse.GetValue(changes);
            var r = parse.GetValue(rate);
            var selected = (parse.GetValue(only) ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
            var seconds = parse.GetValue(ingressSeconds);
            var levels = (parse.GetValue(ingressConcurrency) ?? []).Distinct().ToArray();
            var kinds = (parse.GetValue(ingressBackends) ?? []).SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToArray();
            if (levels.Length == 0 || levels.Any(l => l is < 1 or > 1024) || kinds.Length == 0 || kinds.Except(HttpLoadBackend.Kinds).Any() || parse.GetValue(ingressRounds) is < 1 or > 100)
            {
                Console.Error.WriteLine($"timonel bench proxy: --ingress-concurrency values must be 1..1024, --ingress-backends some of {string.Join(", ", HttpLoadBackend.Kinds)}, --ingress-rounds 1..100");
                return 2;
            }

            if (s is < 1 or > 20000 || e is < 1 or > 100 || c < 1 || !(r > 0) || parse.GetValue(requests) < 1 || parse.GetValue(clients) is < 1 or > 64
                || !double.IsFinite(seconds) || seconds is <= 0 or > 3600 || parse.GetValue(ingressChanges) is < 1 or > 10000 || selected.Except(["service", "ingress"]).Any())
            {
                Console.Error.WriteLine("timonel bench proxy: --services must be 1..20000, --endpoints-per-service 1..100, --changes and --requests at least 1, --change-rate above 0, --clients 1..64, --ingress-seconds above 0 and at most 3600, --ingress-changes 1..10000, --only service and/or ingress");
                return 2;
            }

            var runService = selected.Count == 0 || selected.Contains("service");
            var runIngress = selected.Count == 0 || selected.Contains("ingress");
            if (runService && (!OperatingSystem.IsLinux() || Environment.UserName != "root"))
            {
                Console.Error.WriteLine("timonel bench proxy: the service measurements need root on Linux (network namespaces, nftables); --only ingress runs without");
                return 2;
            }

            try
            {
                if (runService)
                {
                    await RunAsync(s, e, c, r, parse.GetValue(requests), parse.GetValue(clients), ct).ConfigureAwait(false);
                }

                if (runIngress)
                {
                    var ingressOptions = new IngressBench.Options(levels, kinds, parse.GetValue(ingressRounds), TimeSpan.FromSeconds(seconds), parse.GetValue(ingressChanges), parse.GetValue(ingressAccessLog));
                    await IngressBench.RunAsync(ingressOptions, ct).ConfigureAwait(false);
                }

                return 0;
            }
            catch (Exception ex) when (ex is InvalidOperationException or NftException or IOException or TimeoutException or HttpRequestException or k8s.Autorest.HttpOperationException)
            {
                Console.Error.WriteLine($"timonel bench proxy: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task RunAsync(int serviceCount, int endpointsEach, int changes, double rate, int requests, int clients, CancellationToken cancellationToken)
    {
        Console.WriteLine($"proxy benchmark: {serviceCount} Services × {endpointsEach} endpoints, {Environment.ProcessorCount} CPUs, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        using var network = ProxyBenchNetwork.Create();
        var dataDir = Directory.CreateTempSubdirectory("timonel-bench-proxy-api-").FullName;
        var store = new MemoryStore();
        await using var host = await ApiServerHost.StartAsync(new ApiServerOptions { DataDir = dataDir, Port = FreePort() }, _ => Task.FromResult<IStore>(store), NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath));
        const string ns = "bench";
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: cancellationToken).ConfigureAwait(false);

        var watch = Stopwatch.StartNew();
        var web = await client.CoreV1.CreateNamespacedServiceAsync(ServiceObject("web"), ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(SliceObject("web", [ProxyBenchNetwork.PodIp]), ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(Enumerable.Range(0, serviceCount - 1), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            await client.CoreV1.CreateNamespacedServiceAsync(ServiceObject($"svc-{i}"), ns, cancellationToken: token).ConfigureAwait(false);
            await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(SliceObject($"svc-{i}", [.. Enumerable.Range(0, endpointsEach).Select(j => FakeIp(i * endpointsEach + j))]), ns, cancellationToken: token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        Console.WriteLine($"created {serviceCount} Services and EndpointSlices in {watch.Elapsed.TotalSeconds:F1} s");

        var options = new ProxyOptions { NodeName = "bench-node", NetworkNamespace = network.NodeNamespace, MinSyncPeriod = TimeSpan.FromMilliseconds(100) };
        var pending = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var syncs = new ConcurrentBag<ProxySyncResult>();
        watch.Restart();
        await using var proxy = await ServiceProxy.StartAsync(options, client, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
        proxy.Synced += result =>
        {
            syncs.Add(result);
            var now = Stopwatch.GetTimestamp();
            foreach (var (chain, written) in pending)
            {
                if (result.Ruleset.Chains.ContainsKey(chain) && pending.TryRemove(chain, out _))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(written, now).TotalMilliseconds);
                }
            }
        };
        try
        {
            await proxy.WaitForFirstSyncAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"first (full) sync: {watch.Elapsed.TotalMilliseconds:F0} ms after start, {proxy.Applied!.Chains.Count} chains");

            // Open loop: changes arrive at a fixed rate whether or not the proxy kept up.
            var interval = TimeSpan.FromSeconds(1 / rate);
            var next = Stopwatch.GetTimestamp();
            for (var k = 0; k < changes; k++)
            {
                var i = k % (serviceCount - 1); // one change per Service while changes < Services: none supersedes another before it applied
                var ips = Enumerable.Range(0, endpointsEach).Select(j => FakeIp(i * endpointsEach + j)).ToList();
                var fresh = $"10.46.{k / 250}.{(k % 250) + 1}";
                ips[0] = fresh;
                var port = new ServicePortName(ns, $"svc-{i}", "http", "tcp");
                pending[NftNames.EndpointChain(port, new ProxyEndpoint(fresh, 8080, true, true, false, false))] = Stopwatch.GetTimestamp();
                await ReplaceSliceAsync(client, ns, $"svc-{i}", ips, cancellationToken).ConfigureAwait(false);
                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }

            var deadline = Stopwatch.StartNew();
            while (!pending.IsEmpty && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }

            var sorted = latencies.Order().ToArray();
            var incremental = syncs.Where(x => !x.Summary.Full).ToList();
            Console.WriteLine($"endpoint change → rule in effect ({sorted.Length}/{changes} changes, {rate:F0}/s, min-sync-period {options.MinSyncPeriod.TotalMilliseconds:F0} ms): " +
                $"p50 {Percentile(sorted, 0.50):F0} ms, p99 {Percentile(sorted, 0.99):F0} ms, max {(sorted.Length == 0 ? 0 : sorted[^1]):F0} ms");
            if (incremental.Count > 0)
            {
                Console.WriteLine($"incremental transactions: {incremental.Count}, mean {incremental.Average(x => x.Duration.TotalMilliseconds):F1} ms each (render + nft), mean {incremental.Average(x => x.Summary.ChainsWritten):F1} chains written");
            }

            // Throughput, same run: straight to the pod, then through the ClusterIP, twice each.
            var direct = new List<double>();
            var viaService = new List<double>();
            for (var round = 0; round < 2; round++)
            {
                direct.Add(await network.RequestsPerSecondAsync($"http://{ProxyBenchNetwork.PodIp}:8080", clients, requests, cancellationToken).ConfigureAwait(false));
                viaService.Add(await network.RequestsPerSecondAsync($"http://{web.Spec.ClusterIP}:80", clients, requests, cancellationToken).ConfigureAwait(false));
            }

            Console.WriteLine($"HTTP requests/s ({clients} curl clients, a connection per request): pod IP {direct.Average():F0}, ClusterIP {viaService.Average():F0}, ratio ClusterIP/pod {viaService.Average() / direct.Average():F2}");
        }
        finally
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
            await ServiceProxy.CleanupAsync(options, CancellationToken.None).ConfigureAwait(false);
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

    private static async Task ReplaceSliceAsync(Kubernetes client, string ns, string service, List<string> ips, CancellationToken cancellationToken)
    {
        var slice = SliceObject(service, ips);
        var existing = await client.DiscoveryV1.ReadNamespacedEndpointSliceAsync(slice.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        slice.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        await client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, slice.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static string FakeIp(int n) => $"10.44.{n / 250}.{(n % 250) + 1}";

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static V1Service ServiceObject(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec { Type = "ClusterIP", Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" }] },
    };

    private static V1EndpointSlice SliceObject(string service, IEnumerable<string> ips) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{service}-1", Labels = new Dictionary<string, string> { [ServiceSnapshot.ServiceNameLabel] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        Endpoints = [.. ips.Select(ip => new V1Endpoint { Addresses = [ip], Conditions = new V1EndpointConditions { Ready = true } })],
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
