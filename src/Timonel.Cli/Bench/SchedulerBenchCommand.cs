using System.CommandLine;
using Microsoft.Extensions.Logging;
using System.Globalization;
using Timonel.Scheduler.Benchmarks;

namespace Timonel.Cli.Bench;

/// <summary>`timonel bench scheduler`: scheduling throughput and per-pod latency. It prints figures; it never fails on a timing.</summary>
internal static class SchedulerBenchCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the cluster", DefaultValueFactory = _ => 5000 };
        var pods = new Option<int>("--pods") { Description = "Pods to schedule", DefaultValueFactory = _ => 10000 };
        var mode = new Option<string>("--mode") { Description = "inmemory (the algorithm alone) or api (end to end through a server)", DefaultValueFactory = _ => "inmemory" };
        var workload = new Option<string?>("--workload") { Description = "basic, spread (zone topology spread) or antiaffinity (hostname anti-affinity); api mode also takes all (the default there)" };
        var concurrency = new Option<int>("--create-concurrency") { Description = "api mode: pod create requests in flight", DefaultValueFactory = _ => 16 };
        var parallelism = new Option<int>("--parallelism") { Description = "Threads for filter and score", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("scheduler", "Measure the scheduler: pods/s and p50/p99 per-pod scheduling latency");
        foreach (var o in new Option[] { nodes, pods, mode, workload, parallelism, concurrency })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var m = parse.GetValue(mode);
            if (m == "api")
            {
                return await RunApiAsync(parse.GetValue(nodes), parse.GetValue(pods), parse.GetValue(workload) ?? "all", parse.GetValue(concurrency), parse.GetValue(parallelism), ct).ConfigureAwait(false);
            }

            if (m != "inmemory")
            {
                Console.Error.WriteLine($"timonel bench scheduler: --mode: Unsupported value: \"{m}\": supported values: \"inmemory\", \"api\"");
                return 2;
            }

            InMemorySchedulerBenchmark bench;
            try
            {
                bench = new InMemorySchedulerBenchmark(parse.GetValue(nodes), parse.GetValue(pods), parse.GetValue(workload) ?? BenchmarkWorkload.Basic, Math.Max(1, parse.GetValue(parallelism)));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"timonel bench scheduler: {e.Message}");
                return 2;
            }

            Console.WriteLine($"machine: {MachineInfo.Describe()}");
            var r = await bench.RunAsync(ct).ConfigureAwait(false);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"scheduler inmemory workload={r.Workload} nodes={r.Nodes} pods={r.Pods}"));
            Console.WriteLine(string.Create(inv, $"  scheduled {r.Scheduled}, unschedulable {r.Failed}, in {r.Elapsed.TotalSeconds:F2} s (enqueue {r.EnqueueElapsed.TotalMilliseconds:F0} ms)"));
            Console.WriteLine(string.Create(inv, $"  throughput {r.PodsPerSecond:F0} pods/s; per-pod latency p50 {r.P50Ms:F3} ms, p99 {r.P99Ms:F3} ms; gen0 GCs {r.Gen0Collections} (pauses {r.GcPause.TotalMilliseconds:F0} ms), {r.AllocatedBytesPerPod / 1024.0:F1} KiB allocated per pod"));
            return 0;
        });
        return command;
    }

    private static async Task<int> RunApiAsync(int nodes, int pods, string workload, int concurrency, int parallelism, CancellationToken cancellationToken)
    {
        List<SchedulerApiWorkload> workloads;
        try
        {
            if (nodes < 1 || pods < 1 || concurrency < 1 || parallelism < 1)
            {
                throw new ArgumentException("--nodes, --pods, --create-concurrency and --parallelism must be at least 1");
            }

            workloads = (workload == "all" ? SchedulerApiWorkload.Names : [workload]).Select(w => SchedulerApiWorkload.Create(w, nodes, pods)).ToList();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"timonel bench scheduler: {e.Message}");
            return 2;
        }

        Console.WriteLine($"machine: {MachineInfo.Describe()}");
        Console.WriteLine($"load average at start: {LoadAverage()}");
        Console.WriteLine("nodes are fake Node objects (capacity, Ready) with no kubelet behind them, as in scheduler_perf; a fresh server per workload");
        using var loggers = Logging.Create(Environment.GetEnvironmentVariable("TIMONEL_BENCH_LOG") == "debug" ? LogLevel.Debug : LogLevel.Warning);
        var results = new List<SchedulerApiResult>();
        try
        {
            foreach (var w in workloads)
            {
                Console.WriteLine(w.Describe());
                var r = await new SchedulerApiBenchmark(w, concurrency, parallelism, Console.Out, loggers).RunAsync(cancellationToken).ConfigureAwait(false);
                Console.WriteLine(r.Describe());
                results.Add(r);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
        {
            Console.Error.WriteLine($"timonel bench scheduler: {e.Message}");
            return 1;
        }

        Console.WriteLine($"load average at end: {LoadAverage()}");
        return 0;
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
}
