using System.Diagnostics;
using k8s.Models;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Benchmarks;

/// <summary>
/// Measures the scheduling algorithm alone: nodes and pods are fed straight into the cache and
/// queue (no API, no watch), binding succeeds immediately. Reports pods/s over the run and the
/// per-pod scheduling attempt latency (pop → assumed), like scheduler_perf's SchedulingThroughput
/// and scheduling_attempt_duration.
/// </summary>
public sealed class InMemorySchedulerBenchmark
{
    private readonly int _nodes;
    private readonly int _pods;
    private readonly string _workload;
    private readonly int _parallelism;

    public InMemorySchedulerBenchmark(int nodes, int pods, string workload, int parallelism)
    {
        if (nodes < 1 || pods < 1)
        {
            throw new ArgumentException("--nodes and --pods must be at least 1");
        }

        if (!BenchmarkWorkload.Names.Contains(workload))
        {
            throw new ArgumentException($"--workload: unknown workload \"{workload}\" (basic, spread, antiaffinity)");
        }

        _nodes = nodes;
        _pods = pods;
        _workload = workload;
        _parallelism = parallelism;
    }

    public async Task<SchedulerBenchmarkResult> RunAsync(CancellationToken cancellationToken)
    {
        var client = new InstantClient();
        var instance = new SchedulerInstance(SchedulerConfiguration.Default, client, new SchedulerOptions { Parallelism = _parallelism, AssumedPodTtl = TimeSpan.FromHours(1) });
        for (var i = 0; i < _nodes; i++)
        {
            instance.Events.OnNodeAdd(BenchmarkWorkload.Node(i));
        }

        var pods = new V1Pod[_pods];
        for (var i = 0; i < _pods; i++)
        {
            pods[i] = BenchmarkWorkload.Pod(_workload, i, Math.Max(1, _nodes / 2));
        }

        var enqueue = Stopwatch.StartNew();
        foreach (var p in pods)
        {
            instance.Events.OnPodAdd(p);
        }

        enqueue.Stop();
        var latencies = new long[_pods];
        var scheduled = 0;
        var failed = 0;
        var total = Stopwatch.StartNew();
        var gcBefore = GC.CollectionCount(0);
        var pauseBefore = GC.GetTotalPauseDuration();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        for (var n = 0; n < _pods; n++)
        {
            var info = await instance.Queue.PopAsync(cancellationToken).ConfigureAwait(false);
            var t0 = Stopwatch.GetTimestamp();
            var outcome = false;
            instance.Scheduler.AttemptObserver = (_, node) => outcome = node is not null;
            await instance.Scheduler.ScheduleOneAsync(info, cancellationToken).ConfigureAwait(false);
            latencies[n] = Stopwatch.GetTimestamp() - t0;
            if (outcome)
            {
                scheduled++;
            }
            else
            {
                failed++;
            }
        }

        await instance.Scheduler.WaitForBackgroundAsync().ConfigureAwait(false);
        total.Stop();
        Array.Sort(latencies);
        return new SchedulerBenchmarkResult(
            _workload,
            _nodes,
            _pods,
            scheduled,
            failed,
            total.Elapsed,
            enqueue.Elapsed,
            Percentile(latencies, 50),
            Percentile(latencies, 99),
            GC.CollectionCount(0) - gcBefore,
            GC.GetTotalPauseDuration() - pauseBefore,
            (GC.GetTotalAllocatedBytes() - allocatedBefore) / _pods);
    }

    private static double Percentile(long[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>Binding that always succeeds at once; failures are not recorded anywhere.</summary>
    private sealed class InstantClient : ISchedulerClient
    {
        public Task BindAsync(V1Pod pod, string nodeName, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeletePodAsync(V1Pod pod, V1Pod preemptor, string nodeName, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RecordFailureAsync(V1Pod pod, string reason, string message, string? nominatedNodeName, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The figures of one scheduler benchmark run.</summary>
public sealed record SchedulerBenchmarkResult(
    string Workload,
    int Nodes,
    int Pods,
    int Scheduled,
    int Failed,
    TimeSpan Elapsed,
    TimeSpan EnqueueElapsed,
    double P50Ms,
    double P99Ms,
    int Gen0Collections,
    TimeSpan GcPause,
    long AllocatedBytesPerPod)
{
    public double PodsPerSecond => Scheduled / Elapsed.TotalSeconds;
}
