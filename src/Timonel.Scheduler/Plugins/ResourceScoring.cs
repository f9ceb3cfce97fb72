using System.Text.Json;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins;

/// <summary>A resource and its weight in a scoring strategy.</summary>
public sealed record ResourceWeight(string Name, long Weight);

/// <summary>
/// NodeResourcesFit's scoringStrategy: LeastAllocated (default), MostAllocated, or
/// RequestedToCapacityRatio with a utilization→score shape, over weighted resources (default cpu
/// and memory, weight 1 each). CPU and memory count the non-zero defaults for pods without requests.
/// </summary>
public sealed class ResourceScoring
{
    public const string LeastAllocated = "LeastAllocated";
    public const string MostAllocated = "MostAllocated";
    public const string RequestedToCapacityRatio = "RequestedToCapacityRatio";

    private readonly (long Utilization, long Score)[] _shape;
    private readonly ResourceWeight[] _resources;

    public ResourceScoring(string type, IReadOnlyList<ResourceWeight> resources, IReadOnlyList<(long Utilization, long Score)>? shape = null)
    {
        if (type is not (LeastAllocated or MostAllocated or RequestedToCapacityRatio))
        {
            throw new ArgumentException($"scoringStrategy.type: Unsupported value: \"{type}\": supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\"");
        }

        Type = type;
        Resources = resources;
        _resources = [.. resources];
        // The configured shape scores 0..10; nodes score 0..100.
        _shape = [.. (shape ?? []).Select(p => (p.Utilization, p.Score * 10))];
        if (type == RequestedToCapacityRatio && _shape.Length == 0)
        {
            throw new ArgumentException("scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified");
        }
    }

    public static IReadOnlyList<ResourceWeight> DefaultResources { get; } = [new("cpu", 1), new("memory", 1)];

    public static ResourceScoring Default { get; } = new(LeastAllocated, DefaultResources);

    public string Type { get; }

    public IReadOnlyList<ResourceWeight> Resources { get; }

    /// <summary>Reads the scoringStrategy object of NodeResourcesFitArgs (null: the default).</summary>
    public static ResourceScoring Parse(JsonElement? strategy)
    {
        if (strategy is not { ValueKind: JsonValueKind.Object } s)
        {
            return Default;
        }

        var type = s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : LeastAllocated;
        var resources = s.TryGetProperty("resources", out var r) && r.ValueKind == JsonValueKind.Array
            ? [.. r.EnumerateArray().Select(e => new ResourceWeight(e.GetProperty("name").GetString()!, e.TryGetProperty("weight", out var w) ? w.GetInt64() : 1))]
            : DefaultResources;
        List<(long, long)>? shape = null;
        if (s.TryGetProperty("requestedToCapacityRatio", out var rc) && rc.TryGetProperty("shape", out var sh))
        {
            shape = [.. sh.EnumerateArray().Select(p => (p.GetProperty("utilization").GetInt64(), p.GetProperty("score").GetInt64()))];
        }

        return new ResourceScoring(type, resources, shape);
    }

    public long Score(PodInfo pod, NodeInfo node)
    {
        long total = 0;
        long weights = 0;
        foreach (var rw in _resources)
        {
            var allocatable = node.Allocatable.Get(rw.Name);
            if (allocatable == 0)
            {
                continue;
            }

            var requested = rw.Name is Resource.Cpu or Resource.MemoryName
                ? node.NonZeroRequested.Get(rw.Name) + pod.NonZeroRequests.Get(rw.Name)
                : node.Requested.Get(rw.Name) + pod.Requests.Get(rw.Name);
            total += ResourceScore(requested, allocatable) * rw.Weight;
            weights += rw.Weight;
        }

        return weights == 0 ? 0 : total / weights;
    }

    private long ResourceScore(long requested, long capacity)
    {
        switch (Type)
        {
            case MostAllocated:
                return Math.Min(requested, capacity) * IScorePlugin.MaxNodeScore / capacity;
            case RequestedToCapacityRatio:
                return Shape(Math.Min(requested, capacity) * 100 / capacity);
            default:
                return requested > capacity ? 0 : (capacity - requested) * IScorePlugin.MaxNodeScore / capacity;
        }
    }

    /// <summary>Piecewise-linear interpolation of the shape at <paramref name="utilization"/> (upstream's buildBrokenLinearFunction).</summary>
    private long Shape(long utilization)
    {
        for (var i = 0; i < _shape.Length; i++)
        {
            if (utilization <= _shape[i].Utilization)
            {
                if (i == 0)
                {
                    return _shape[0].Score;
                }

                var (u0, s0) = _shape[i - 1];
                var (u1, s1) = _shape[i];
                return s0 + ((s1 - s0) * (utilization - u0) / (u1 - u0));
            }
        }

        return _shape[^1].Score;
    }
}
