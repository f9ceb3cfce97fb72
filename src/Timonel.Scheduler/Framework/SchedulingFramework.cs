using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// One scheduling profile: the plugins enabled at each extension point, in order, with score
/// weights, and the code that runs them. Upstream's frameworkImpl.
/// </summary>
public sealed class SchedulingFramework
{
    private readonly IPreFilterPlugin[] _preFilters;
    private readonly IFilterPlugin[] _filters;
    private readonly IPostFilterPlugin[] _postFilters;
    private readonly IPreScorePlugin[] _preScores;
    private readonly (IScorePlugin Plugin, int Weight)[] _scores;
    private readonly IReservePlugin[] _reserves;
    private readonly IPermitPlugin[] _permits;
    private readonly IPreBindPlugin[] _preBinds;
    private readonly IBindPlugin[] _binds;

    // Score buffers reused across cycles: a profile runs one cycle at a time.
    private long[][] _scoreBuffers = [];
    private long[] _totals = [];

    public SchedulingFramework(string profileName, ProfilePlugins plugins, PluginHandle handle, int percentageOfNodesToScore)
    {
        ProfileName = profileName;
        Handle = handle;
        PercentageOfNodesToScore = percentageOfNodesToScore;
        _preFilters = [.. plugins.PreFilter];
        _filters = [.. plugins.Filter];
        _postFilters = [.. plugins.PostFilter];
        _preScores = [.. plugins.PreScore];
        _scores = [.. plugins.Score];
        _reserves = [.. plugins.Reserve];
        _permits = [.. plugins.Permit];
        _preBinds = [.. plugins.PreBind];
        _binds = [.. plugins.Bind];
        EnqueueExtensions = [.. plugins.All.OfType<IEnqueueExtensions>()];
        handle.Framework = this;
    }

    public string ProfileName { get; }

    public PluginHandle Handle { get; }

    /// <summary>0 means upstream's adaptive default.</summary>
    public int PercentageOfNodesToScore { get; }

    public IReadOnlyList<IEnqueueExtensions> EnqueueExtensions { get; }

    public bool HasFilters => _filters.Length > 0;

    public bool HasScores => _scores.Length > 0;

    public bool HasPostFilters => _postFilters.Length > 0;

    public IReadOnlyList<string> FilterPluginNames => [.. _filters.Select(f => f.Name)];

    public IReadOnlyList<(string Name, int Weight)> ScorePluginWeights => [.. _scores.Select(s => (s.Plugin.Name, s.Weight))];

    /// <summary>Runs every PreFilter; the first rejection stops. <paramref name="nodeNames"/> is the intersection of narrowed sets.</summary>
    public Status? RunPreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out HashSet<string>? nodeNames)
    {
        nodeNames = null;
        foreach (var p in _preFilters)
        {
            var s = p.PreFilter(state, pod, snapshot, out var narrowed);
            if (s is null || s.IsSuccess)
            {
                if (narrowed is not null)
                {
                    if (nodeNames is null)
                    {
                        nodeNames = new HashSet<string>(narrowed, StringComparer.Ordinal);
                    }
                    else
                    {
                        nodeNames.IntersectWith(narrowed);
                    }
                }

                continue;
            }

            if (s.Code == StatusCode.Skip)
            {
                state.SkipFilter(p.Name);
                continue;
            }

            return s.WithPlugin(p.Name);
        }

        return null;
    }

    /// <summary>Runs the Filters on one node; the first failure (with its plugin) is returned, null when the pod fits.</summary>
    public Status? RunFilter(CycleState state, PodInfo pod, NodeInfo node)
    {
        // Filters of one cycle may run on several threads: two computing this at once store equal arrays.
        var filters = state.ActiveFilters ??= ActiveFilters(state.SkipFilterPlugins);
        foreach (var f in filters)
        {
            var s = f.Filter(state, pod, node);
            if (s is not null && !s.IsSuccess)
            {
                return s.WithPlugin(f.Name);
            }
        }

        return null;
    }

    private IFilterPlugin[] ActiveFilters(HashSet<string>? skips) =>
        skips is null ? _filters : [.. _filters.Where(f => !skips.Contains(f.Name))];

    /// <summary>
    /// Filter as upstream's RunFilterPluginsWithNominatedPods: when pods of equal or higher priority
    /// are nominated to the node, the pod must fit with them added as well as without them.
    /// </summary>
    public Status? RunFilterWithNominatedPods(CycleState state, PodInfo pod, NodeInfo node, IReadOnlyList<PodInfo> nominated)
    {
        if (nominated.Count > 0)
        {
            CycleState? withState = null;
            NodeInfo? withNode = null;
            foreach (var n in nominated)
            {
                if (n.Key == pod.Key || n.Priority < pod.Priority)
                {
                    continue;
                }

                withState ??= state.Clone();
                withNode ??= node.Clone();
                withNode.AddPod(n);
                RunPreFilterAddPod(withState, pod, n, withNode);
            }

            if (withNode is not null && RunFilter(withState!, pod, withNode) is { } s)
            {
                return s;
            }
        }

        return RunFilter(state, pod, node);
    }

    public void RunPreFilterAddPod(CycleState state, PodInfo pod, PodInfo added, NodeInfo node)
    {
        foreach (var p in _preFilters)
        {
            if (p is IPreFilterExtensions ext && state.SkipFilterPlugins?.Contains(p.Name) != true)
            {
                ext.AddPod(state, pod, added, node);
            }
        }
    }

    public void RunPreFilterRemovePod(CycleState state, PodInfo pod, PodInfo removed, NodeInfo node)
    {
        foreach (var p in _preFilters)
        {
            if (p is IPreFilterExtensions ext && state.SkipFilterPlugins?.Contains(p.Name) != true)
            {
                ext.RemovePod(state, pod, removed, node);
            }
        }
    }

    /// <summary>Runs PostFilter plugins until one nominates a node or one returns a non-rejection.</summary>
    public async Task<PostFilterResult> RunPostFilterAsync(CycleState state, PodInfo pod, IReadOnlyDictionary<string, Status> statuses, CancellationToken cancellationToken)
    {
        var messages = new List<string>();
        foreach (var p in _postFilters)
        {
            var r = await p.PostFilterAsync(state, pod, statuses, cancellationToken).ConfigureAwait(false);
            if (r.Status.IsSuccess || r.Status.Code == StatusCode.Error)
            {
                return r with { Status = r.Status.WithPlugin(p.Name) };
            }

            messages.AddRange(r.Status.Reasons);
        }

        return new PostFilterResult(Status.Unresolvable([.. messages]));
    }

    public Status? RunPreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        foreach (var p in _preScores)
        {
            var s = p.PreScore(state, pod, nodes);
            if (s is null || s.IsSuccess)
            {
                continue;
            }

            if (s.Code == StatusCode.Skip)
            {
                state.SkipScore(p.Name);
                continue;
            }

            return s.WithPlugin(p.Name);
        }

        return null;
    }

    /// <summary>
    /// Scores every node with every score plugin (in parallel over nodes when there are many),
    /// normalizes, and returns the weighted totals, index-aligned with <paramref name="nodes"/>.
    /// </summary>
    public long[] RunScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, int parallelism)
    {
        var count = nodes.Count;
        if (_totals.Length < count)
        {
            _totals = new long[count];
            _scoreBuffers = new long[_scores.Length][];
            for (var i = 0; i < _scores.Length; i++)
            {
                _scoreBuffers[i] = new long[count];
            }
        }

        var totals = _totals;
        Array.Clear(totals, 0, count);
        var skips = state.SkipScorePlugins;
        Span<int> activeIndexes = stackalloc int[_scores.Length];
        var active = 0;
        for (var i = 0; i < _scores.Length; i++)
        {
            if (skips is null || !skips.Contains(_scores[i].Plugin.Name))
            {
                activeIndexes[active++] = i;
            }
        }

        if (active == 0)
        {
            return totals;
        }

        var indexes = activeIndexes[..active].ToArray();
        var scores = _scores;
        var buffers = _scoreBuffers;

        void ScoreRange(int from, int to)
        {
            for (var n = from; n < to; n++)
            {
                var node = nodes[n];
                foreach (var i in indexes)
                {
                    buffers[i][n] = scores[i].Plugin.Score(state, pod, node);
                }
            }
        }

        Parallelizer.For(count, parallelism, ScoreRange);

        foreach (var i in indexes)
        {
            var buffer = buffers[i];
            if (scores[i].Plugin is INormalizeScorePlugin normalizer)
            {
                normalizer.NormalizeScore(state, pod, nodes, buffer.AsSpan(0, count));
            }

            var weight = scores[i].Weight;
            for (var n = 0; n < count; n++)
            {
                totals[n] += buffer[n] * weight;
            }
        }

        return totals;
    }

    public Status? RunReserve(CycleState state, PodInfo pod, string nodeName)
    {
        foreach (var p in _reserves)
        {
            var s = p.Reserve(state, pod, nodeName);
            if (s is not null && !s.IsSuccess)
            {
                return s.WithPlugin(p.Name);
            }
        }

        return null;
    }

    /// <summary>Undoes Reserve, in reverse order, as upstream.</summary>
    public void RunUnreserve(CycleState state, PodInfo pod, string nodeName)
    {
        for (var i = _reserves.Length - 1; i >= 0; i--)
        {
            _reserves[i].Unreserve(state, pod, nodeName);
        }
    }

    public Status? RunPermit(CycleState state, PodInfo pod, string nodeName)
    {
        foreach (var p in _permits)
        {
            var s = p.Permit(state, pod, nodeName);
            if (s is not null && !s.IsSuccess)
            {
                return (s.Code == StatusCode.Wait ? Status.Unschedulable($"waiting in permit is not supported (plugin {p.Name})") : s).WithPlugin(p.Name);
            }
        }

        return null;
    }

    public async Task<Status?> RunPreBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        foreach (var p in _preBinds)
        {
            var s = await p.PreBindAsync(state, pod, nodeName, cancellationToken).ConfigureAwait(false);
            if (s is not null && !s.IsSuccess)
            {
                return s.WithPlugin(p.Name);
            }
        }

        return null;
    }

    public async Task<Status?> RunBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        foreach (var p in _binds)
        {
            var s = await p.BindAsync(state, pod, nodeName, cancellationToken).ConfigureAwait(false);
            if (s is not null && s.Code == StatusCode.Skip)
            {
                continue;
            }

            return s is null || s.IsSuccess ? null : s.WithPlugin(p.Name);
        }

        return Status.Error("no bind plugin bound the pod");
    }

    /// <summary>Registers each plugin's events with the queue.</summary>
    public void RegisterEvents(SchedulingQueue queue)
    {
        foreach (var e in EnqueueExtensions)
        {
            queue.RegisterPluginEvents(e.Name, e.EventsToRegister());
        }
    }
}

/// <summary>The plugins of a profile per extension point, in run order (built by the profile factory).</summary>
public sealed class ProfilePlugins
{
    public List<IPlugin> All { get; } = [];

    public List<IPreFilterPlugin> PreFilter { get; } = [];

    public List<IFilterPlugin> Filter { get; } = [];

    public List<IPostFilterPlugin> PostFilter { get; } = [];

    public List<IPreScorePlugin> PreScore { get; } = [];

    public List<(IScorePlugin Plugin, int Weight)> Score { get; } = [];

    public List<IReservePlugin> Reserve { get; } = [];

    public List<IPermitPlugin> Permit { get; } = [];

    public List<IPreBindPlugin> PreBind { get; } = [];

    public List<IBindPlugin> Bind { get; } = [];
}
