using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Scheduler;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Host;

namespace Timonel.Cli.Bench;

/// <summary>
/// The scheduler measured end to end, as scheduler_perf does it: a real API server (a child
/// `timonel server` on its embedded SQLite store, no agent, controllers, simulator or scheduler of
/// its own), this process's scheduler (informers, queue, binding through pods/binding), fake
/// Node objects with capacity and no kubelet behind them, initial pods scheduled first, then
/// the measured pods created concurrently through the API. Throughput is measured pods bound per
/// second from the first create request to the last bind seen on a pod watch; per-pod latency
/// is that bind seen minus the pod's create request send time.
/// </summary>
internal sealed class SchedulerApiBenchmark(SchedulerApiWorkload workload, int createConcurrency, int parallelism, TextWriter progress, ILoggerFactory loggers)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<SchedulerApiResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var target = await BenchTarget.StartChildAsync(
            null,
            cancellationToken,
            "--disable-scheduler",
            "--disable-controller-manager",
            "--disable-simulator").ConfigureAwait(false);
        using var http = BenchHttp.Create(target, "1.1", RequestTimeout);
        using var watchHttp = BenchHttp.Create(target, "1.1", Timeout.InfiniteTimeSpan);
        await target.WaitReadyAsync(http, cancellationToken).ConfigureAwait(false);
        progress.WriteLine($"server {target.Url} ready (pid {target.Pid}); store: {target.Store}");

        foreach (var ns in new[] { SchedulerApiWorkload.InitNamespace, SchedulerApiWorkload.MeasureNamespace })
        {
            await PostAsync(http, "api/v1/namespaces", System.Text.Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}"), cancellationToken).ConfigureAwait(false);
        }

        var nodesTimer = Stopwatch.StartNew();
        await CreateAllAsync(http, "api/v1/nodes", workload.Nodes, workload.NodeJson, null, cancellationToken).ConfigureAwait(false);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"created {workload.Nodes} nodes in {nodesTimer.Elapsed.TotalSeconds:F1} s"));

        using var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(target.KubeconfigPath!));
        using var stopScheduler = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scheduler = new SchedulerHost(SchedulerConfiguration.Default, new SchedulerOptions { Parallelism = parallelism }, loggers);
        var running = scheduler.RunAsync(kube, stopScheduler.Token);
        try
        {
            await Task.WhenAny(scheduler.Started, running).ConfigureAwait(false);
            if (running.IsCompleted)
            {
                await running.ConfigureAwait(false);
                throw new InvalidOperationException("the scheduler stopped before it started");
            }

            await using var watch = await PodBindWatch.StartAsync(watchHttp, workload.InitPods, workload.MeasurePods, cancellationToken).ConfigureAwait(false);
            var initTimer = Stopwatch.StartNew();
            await CreateAllAsync(http, $"api/v1/namespaces/{SchedulerApiWorkload.InitNamespace}/pods", workload.InitPods, i => workload.PodJson(false, i), null, cancellationToken).ConfigureAwait(false);
            if (!await watch.WaitAsync(false, workload.InitPods, WaitTimeout(workload.InitPods), cancellationToken).ConfigureAwait(false))
            {
                throw new TimeoutException($"only {watch.InitBoundCount} of {workload.InitPods} initial pods were bound");
            }

            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{workload.InitPods} initial pods created and bound in {initTimer.Elapsed.TotalSeconds:F1} s; measuring {workload.MeasurePods} pods..."));

            var sent = new long[workload.MeasurePods];
            var cpu = CpuShare.Start(target.Pid);
            var first = Stopwatch.GetTimestamp();
            await CreateAllAsync(http, $"api/v1/namespaces/{SchedulerApiWorkload.MeasureNamespace}/pods", workload.MeasurePods, i => workload.PodJson(true, i), sent, cancellationToken).ConfigureAwait(false);
            var createdAt = Stopwatch.GetTimestamp();
            var complete = await watch.WaitAsync(true, workload.MeasurePods, WaitTimeout(workload.MeasurePods), cancellationToken).ConfigureAwait(false);
            var share = cpu.Stop();
            return Summarize(sent, watch.MeasureBound, first, createdAt, share, complete);
        }
        finally
        {
            await stopScheduler.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private SchedulerApiResult Summarize(long[] sent, IReadOnlyList<long> bound, long first, long createdAt, CpuShare cpu, bool complete)
    {
        var latencies = new List<long>(sent.Length);
        var last = first;
        for (var i = 0; i < sent.Length; i++)
        {
            if (bound[i] != 0)
            {
                latencies.Add(bound[i] - sent[i]);
                last = Math.Max(last, bound[i]);
            }
        }

        latencies.Sort();
        var seconds = (last - first) / (double)Stopwatch.Frequency;
        var createSeconds = (createdAt - first) / (double)Stopwatch.Frequency;
        return new SchedulerApiResult(
            workload,
            latencies.Count,
            complete,
            seconds,
            sent.Length / createSeconds,
            latencies.Count / seconds,
            Percentile(latencies, 50),
            Percentile(latencies, 90),
            Percentile(latencies, 99),
            cpu);
    }

    private static double Percentile(List<long> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)] * 1000.0 / Stopwatch.Frequency;
    }

    private static TimeSpan WaitTimeout(int pods) => TimeSpan.FromSeconds(60 + pods / 20.0);

    /// <summary>POSTs <paramref name="count"/> objects with <see cref="createConcurrency"/> requests in flight, noting each send time when asked.</summary>
    private async Task CreateAllAsync(HttpClient http, string path, int count, Func<int, byte[]> body, long[]? sent, CancellationToken cancellationToken)
    {
        var next = -1;
        var workers = new Task[Math.Min(createConcurrency, count)];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(
                async () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        var content = body(i);
                        if (sent is not null)
                        {
                            sent[i] = Stopwatch.GetTimestamp();
                        }

                        await PostAsync(http, path, content, cancellationToken).ConfigureAwait(false);
                    }
                },
                cancellationToken);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private static async Task PostAsync(HttpClient http, string path, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }
    }
}

/// <summary>The figures of one end-to-end scheduler workload.</summary>
internal sealed record SchedulerApiResult(
    SchedulerApiWorkload Workload,
    int Bound,
    bool Complete,
    double Seconds,
    double CreatesPerSecond,
    double PodsPerSecond,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    CpuShare Cpu)
{
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"scheduler api workload={Workload.Name} nodes={Workload.Nodes} initPods={Workload.InitPods} measuredPods={Workload.MeasurePods}\n" +
        $"  bound {Bound}/{Workload.MeasurePods}{(Complete ? "" : " (TIMED OUT)")} in {Seconds:F2} s; pods created at {CreatesPerSecond:F0}/s\n" +
        $"  throughput {PodsPerSecond:F0} pods/s; per-pod latency (create sent -> bind seen on a watch) p50 {P50Ms:F1} ms, p90 {P90Ms:F1} ms, p99 {P99Ms:F1} ms\n" +
        $"  cpu: {Cpu.Describe()} (server = API server + SQLite; client = scheduler + pod creator + watch)\n" +
        $"  cpu seconds per 1,000 measured pods: server {PerThousand(Cpu.ServerSeconds)}, client {PerThousand(Cpu.ClientSeconds)}" +
        $" (of which background JIT tier-up: server {PerThousand(Cpu.ServerJitSeconds)}, client {PerThousand(Cpu.ClientJitSeconds)})");

    private string PerThousand(double? seconds) =>
        seconds is { } s && Bound > 0 ? string.Create(CultureInfo.InvariantCulture, $"{s * 1000 / Bound:F2}") : "n/a";
}
