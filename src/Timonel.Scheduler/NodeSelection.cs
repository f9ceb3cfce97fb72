using System.Diagnostics;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler;

/// <summary>
/// The algorithm part of a scheduling cycle (upstream's schedulePod): PreFilter, Filter over
/// enough nodes (in parallel, starting where the last cycle stopped), PreScore, Score, and the
/// choice of the best node (random among ties).
/// </summary>
internal sealed class NodeSelection
{
    /// <summary>Upstream's minFeasibleNodesToFind.</summary>
    public const int MinFeasibleNodesToFind = 100;

    /// <summary>Upstream's minFeasibleNodesPercentageToFind.</summary>
    public const int MinFeasibleNodesPercentageToFind = 5;

    private static readonly Dictionary<string, Status> NoFailures = [];

    private readonly int _parallelism;
    private readonly Random _random;
    private int _nextStartNodeIndex;

    // Per-node scratch space, reused across cycles (cycles never overlap) so a 5,000-node cycle
    // allocates nothing this size; each cycle leaves it cleared, clearing only what it touched.
    private bool[] _fits = [];
    private bool[] _done = [];
    private Status?[] _statuses = [];

    public NodeSelection(int parallelism, Random random)
    {
        _parallelism = parallelism;
        _random = random;
    }

    /// <summary>
    /// How many feasible nodes to find before scoring: all below 100 nodes; else the configured
    /// percentage, or adaptively 50% − nodes/125 (at least 5%), and never fewer than 100.
    /// </summary>
    public static int NumFeasibleNodesToFind(int percentageOfNodesToScore, int numAllNodes)
    {
        if (numAllNodes < MinFeasibleNodesToFind || percentageOfNodesToScore >= 100)
        {
            return numAllNodes;
        }

        var adaptive = percentageOfNodesToScore;
        if (adaptive <= 0)
        {
            adaptive = 50 - (numAllNodes / 125);
            if (adaptive < MinFeasibleNodesPercentageToFind)
            {
                adaptive = MinFeasibleNodesPercentageToFind;
            }
        }

        var n = (int)((long)numAllNodes * adaptive / 100);
        return n < MinFeasibleNodesToFind ? MinFeasibleNodesToFind : n;
    }

    public ScheduleResult Schedule(SchedulingFramework fwk, CycleState state, PodInfo pod, Snapshot snapshot, Queue.Nominator nominator)
    {
        var all = snapshot.Nodes;
        if (all.Count == 0)
        {
            return new ScheduleResult(null, 0, 0, new FitError(0, new Dictionary<string, Status>(), null), null);
        }

        var pre = fwk.RunPreFilter(state, pod, snapshot, out var narrowed);
        if (pre is not null)
        {
            if (pre.Code == StatusCode.Error)
            {
                return new ScheduleResult(null, 0, 0, null, pre);
            }

            var statuses = new Dictionary<string, Status>(StringComparer.Ordinal);
            foreach (var n in all)
            {
                statuses[n.Name] = pre;
            }

            var fit = new FitError(all.Count, statuses, pre.Message);
            fit.UnschedulablePlugins.Add(pre.Plugin ?? string.Empty);
            return new ScheduleResult(null, 0, 0, fit, null);
        }

        IReadOnlyList<NodeInfo> candidates = all;
        if (narrowed is not null)
        {
            candidates = [.. narrowed.Select(snapshot.Get).Where(n => n is not null)!];
        }

        // A pod nominated by preemption tries its nominated node first (upstream evaluateNominatedNode).
        if (pod.Pod.Status?.NominatedNodeName is { Length: > 0 } nominated && snapshot.Get(nominated) is { } nominatedNode
            && fwk.RunFilterWithNominatedPods(state, pod, nominatedNode, nominator.PodsFor(nominated)) is null)
        {
            return new ScheduleResult(nominated, 1, 1, null, null);
        }

        var feasible = FindFeasible(fwk, state, pod, candidates, nominator, out var failed, out var processed);
        if (feasible.Count == 0)
        {
            var fit = new FitError(all.Count, failed, null);
            foreach (var s in failed.Values)
            {
                if (s.Plugin is { } p)
                {
                    fit.UnschedulablePlugins.Add(p);
                }
            }

            if (failed.Values.FirstOrDefault(s => s.Code == StatusCode.Error) is { } err)
            {
                return new ScheduleResult(null, processed, 0, null, err);
            }

            return new ScheduleResult(null, processed, 0, fit, null);
        }

        if (feasible.Count == 1)
        {
            return new ScheduleResult(feasible[0].Name, processed, 1, null, null);
        }

        var preScore = fwk.RunPreScore(state, pod, feasible);
        if (preScore is not null)
        {
            return new ScheduleResult(null, processed, feasible.Count, null, preScore);
        }

        // RunScore's buffer is reused across cycles and may be longer than this cycle's feasible list.
        var scores = fwk.RunScore(state, pod, feasible, _parallelism);
        return new ScheduleResult(feasible[SelectHost(scores.AsSpan(0, feasible.Count))].Name, processed, feasible.Count, null, null);
    }

    private List<NodeInfo> FindFeasible(SchedulingFramework fwk, CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Queue.Nominator nominator, out Dictionary<string, Status> failed, out int processed)
    {
        var count = nodes.Count;
        var toFind = NumFeasibleNodesToFind(fwk.PercentageOfNodesToScore, count);
        var useNominated = !nominator.IsEmpty;
        var start = count == 0 ? 0 : _nextStartNodeIndex % count;
        if (_fits.Length < count)
        {
            _fits = new bool[count];
            _done = new bool[count];
            _statuses = new Status?[count];
        }

        var fits = _fits;
        var statuses = _statuses;
        var done = _done;
        var found = 0;
        var checkedInline = 0;
        var touched = 0;

        void Check(int i)
        {
            var node = nodes[(start + i) % count];
            var s = useNominated
                ? fwk.RunFilterWithNominatedPods(state, pod, node, nominator.PodsFor(node.Name))
                : fwk.RunFilter(state, pod, node);
            done[i] = true;
            if (s is null)
            {
                fits[i] = true;
                Interlocked.Increment(ref found);
            }
            else
            {
                statuses[i] = s;
            }
        }

        try
        {
            // The first chunk runs inline and is timed: most cycles (a plain pod on a big cluster) cost
            // less than handing work to another thread would, and stay on this one (see Parallelizer).
            const int chunk = Parallelizer.ProbeSize;
            var probeStarted = Stopwatch.GetTimestamp();
            while (checkedInline < count && found < toFind && (checkedInline < chunk || !Split()))
            {
                Check(checkedInline++);
            }

            bool Split()
            {
                if (_parallelism <= 1 || count < Parallelizer.InlineThreshold || checkedInline != chunk)
                {
                    return false;
                }

                // Nodes still to check: enough to find the rest at the rate found so far, at most all.
                long remaining = count - checkedInline;
                if (found > 0)
                {
                    remaining = Math.Min(remaining, (long)(toFind - found) * checkedInline / found);
                }

                return Parallelizer.WorthSplitting(Stopwatch.GetTimestamp() - probeStarted, checkedInline, remaining);
            }

            touched = checkedInline;
            if (checkedInline < count && found < toFind)
            {
                var chunks = (count + chunk - 1) / chunk;
                var next = (checkedInline / chunk) - 1;
                touched = count;
                Parallel.For(0, _parallelism, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, _ =>
                {
                    while (Volatile.Read(ref found) < toFind)
                    {
                        var c = Interlocked.Increment(ref next);
                        if (c >= chunks)
                        {
                            return;
                        }

                        var end = Math.Min(count, (c + 1) * chunk);
                        for (var i = c * chunk; i < end; i++)
                        {
                            Check(i);
                        }
                    }
                });
                touched = Math.Min(count, (Math.Min(next, chunks - 1) + 1) * chunk);
            }

            var feasible = new List<NodeInfo>(Math.Min(toFind, count));
            processed = 0;
            for (var i = 0; i < touched; i++)
            {
                if (!done[i])
                {
                    continue;
                }

                processed++;
                if (fits[i] && feasible.Count < toFind)
                {
                    feasible.Add(nodes[(start + i) % count]);
                }
            }

            // Per-node reasons matter only when nothing fits (the failure message, preemption).
            failed = NoFailures;
            if (feasible.Count == 0)
            {
                failed = new Dictionary<string, Status>(processed, StringComparer.Ordinal);
                for (var i = 0; i < touched; i++)
                {
                    if (done[i] && statuses[i] is { } status)
                    {
                        failed[nodes[(start + i) % count].Name] = status;
                    }
                }
            }

            if (count > 0)
            {
                _nextStartNodeIndex = (start + processed) % count;
            }

            return feasible;
        }
        finally
        {
            // A plugin that threw mid-way leaves at most the inline part or everything touched.
            var dirty = Math.Max(touched, checkedInline);
            Array.Clear(fits, 0, dirty);
            Array.Clear(done, 0, dirty);
            Array.Clear(statuses, 0, dirty);
        }
    }

    /// <summary>The index of the highest total; ties are broken uniformly at random (reservoir sampling), as upstream.</summary>
    private int SelectHost(ReadOnlySpan<long> scores)
    {
        var best = 0;
        var ties = 1;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
                ties = 1;
            }
            else if (scores[i] == scores[best])
            {
                ties++;
                if (_random.Next(ties) == 0)
                {
                    best = i;
                }
            }
        }

        return best;
    }
}
