namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// The usage history the control plane keeps for recommendations: one <see cref="ContainerHistory"/>
/// per workload container, fed once per metrics round by the collector and read by the
/// recommendation endpoint. Bounded: at most <see cref="MaxContainers"/> histories (a new
/// container past that is not tracked until one is forgotten), and a history not fed for
/// <see cref="IdleExpiry"/> (its workload gone or scaled to zero) is forgotten. Held in memory
/// only: a restart starts over, as VPA's recommender without its checkpoints.
/// </summary>
internal sealed class UsageHistory
{
    /// <summary>How many container histories are kept at most (each ~1.6 KB: 176 CPU buckets and 24 memory peaks).</summary>
    public const int MaxContainers = 5_000;

    /// <summary>How long a history is kept after its last sample.</summary>
    public static readonly TimeSpan IdleExpiry = ContainerHistory.MemoryInterval * ContainerHistory.MemoryIntervals;

    private readonly Lock _lock = new();
    private readonly Dictionary<ContainerRef, ContainerHistory> _containers = [];

    /// <summary>How many samples were refused because the history was full (for the caller to report).</summary>
    public long Refused { get; private set; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _containers.Count;
            }
        }
    }

    /// <summary>Adds one round's samples, all taken at or before <paramref name="now"/>, and forgets idle histories.</summary>
    public void Record(IEnumerable<(ContainerRef Container, decimal CpuCores, decimal MemoryBytes, DateTimeOffset Timestamp)> samples, DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var (container, cpu, memory, timestamp) in samples)
            {
                if (!_containers.TryGetValue(container, out var history))
                {
                    if (_containers.Count >= MaxContainers)
                    {
                        Refused++;
                        continue;
                    }

                    history = new ContainerHistory();
                    _containers[container] = history;
                }

                history.Add(cpu, memory, timestamp);
            }

            foreach (var (key, history) in _containers.Where(kv => kv.Value.LastSample is { } last && now - last > IdleExpiry).ToList())
            {
                _containers.Remove(key);
            }
        }
    }

    /// <summary>
    /// The recommendations of every kept container matching <paramref name="filter"/>, computed
    /// under the lock (histories change while rounds run).
    /// </summary>
    public List<(ContainerRef Container, ContainerRecommendation Recommendation)> Recommend(Func<ContainerRef, bool> filter)
    {
        lock (_lock)
        {
            return [.. _containers.Where(kv => filter(kv.Key)).Select(kv => (kv.Key, Recommender.Recommend(kv.Value)))];
        }
    }
}
