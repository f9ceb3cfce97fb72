namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// One container's usage history, aggregated as the VerticalPodAutoscaler recommender's
/// aggregate container state: every CPU sample goes into a <see cref="DecayingHistogram"/>, and
/// memory keeps only the peak of each <see cref="MemoryInterval"/> for the last
/// <see cref="MemoryIntervals"/> intervals (VPA keeps daily peaks for 8 days; a day here, in hours,
/// so that a recommendation follows a workload that changed today). Fixed size whatever the
/// number of samples. Not thread-safe: <see cref="UsageHistory"/> guards it.
/// </summary>
internal sealed class ContainerHistory
{
    public static readonly TimeSpan MemoryInterval = TimeSpan.FromHours(1);
    public const int MemoryIntervals = 24;

    private readonly DecayingHistogram _cpu = new();
    // Ring of (interval start, peak bytes), newest last; at most MemoryIntervals entries.
    private readonly Queue<(DateTimeOffset Start, decimal Peak)> _memoryPeaks = new();
    private (DateTimeOffset Start, decimal Peak)? _currentPeak;

    public long Samples { get; private set; }

    public DateTimeOffset? FirstSample { get; private set; }

    public DateTimeOffset? LastSample { get; private set; }

    /// <summary>
    /// Adds one sample; a sample no newer than the last (the kubelet served the same reading
    /// again, or a clock went back) is ignored so that nothing is counted twice.
    /// </summary>
    public bool Add(decimal cpuCores, decimal memoryBytes, DateTimeOffset time)
    {
        if (LastSample is { } last && time <= last)
        {
            return false;
        }

        _cpu.Add((double)cpuCores, time);
        var start = new DateTimeOffset(time.UtcTicks - (time.UtcTicks % MemoryInterval.Ticks), TimeSpan.Zero);
        if (_currentPeak is { } current && current.Start == start)
        {
            _currentPeak = (start, Math.Max(current.Peak, memoryBytes));
        }
        else
        {
            if (_currentPeak is { } closed)
            {
                _memoryPeaks.Enqueue(closed);
            }

            _currentPeak = (start, memoryBytes);
        }

        // Intervals that left the window, and any past the count, are forgotten.
        while (_memoryPeaks.Count > 0 && (_memoryPeaks.Count >= MemoryIntervals || _memoryPeaks.Peek().Start <= start - (MemoryInterval * MemoryIntervals)))
        {
            _memoryPeaks.Dequeue();
        }

        Samples++;
        FirstSample ??= time;
        LastSample = time;
        return true;
    }

    /// <summary>The CPU (cores) under which <paramref name="fraction"/> of the decayed samples lie.</summary>
    public decimal CpuPercentile(double fraction) => (decimal)_cpu.Percentile(fraction);

    /// <summary>The highest memory working set (bytes) of the kept intervals, the current one included.</summary>
    public decimal MemoryPeak => _memoryPeaks.Select(p => p.Peak).Append(_currentPeak?.Peak ?? 0).Max();

    /// <summary>The time the kept memory peaks start at (the window memory is judged over).</summary>
    public DateTimeOffset? MemoryWindowStart => _memoryPeaks.Count > 0 ? _memoryPeaks.Peek().Start : _currentPeak?.Start;
}
