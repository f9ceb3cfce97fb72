using System.CommandLine;
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
        var workload = new Option<string>("--workload") { Description = "basic, spread (zone topology spread) or antiaffinity (hostname anti-affinity)", DefaultValueFactory = _ => BenchmarkWorkload.Basic };
        var parallelism = new Option<int>("--parallelism") { Description = "Threads for filter and score", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("scheduler", "Measure the scheduler: pods/s and p50/p99 per-pod scheduling latency");
        foreach (var o in new Option[] { nodes, pods, mode, workload, parallelism })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var m = parse.GetValue(mode);
            if (m == "api")
            {
                Console.Error.WriteLine("timonel bench scheduler: --mode api needs the shared informers (Timonel.Client), not available yet; use --mode inmemory");
                return 2;
            }

            if (m != "inmemory")
            {
                Console.Error.WriteLine($"timonel bench scheduler: --mode: Unsupported value: \"{m}\": supported values: \"inmemory\", \"api\"");
                return 2;
            }

            InMemorySchedulerBenchmark bench;
            try
            {
                bench = new InMemorySchedulerBenchmark(parse.GetValue(nodes), parse.GetValue(pods), parse.GetValue(workload)!, Math.Max(1, parse.GetValue(parallelism)));
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
}
