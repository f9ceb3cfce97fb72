using System.Diagnostics;

namespace Timonel.Cli.Bench;

/// <summary>Latency samples (Stopwatch ticks) and their percentiles; one instance per worker, merged at the end.</summary>
internal sealed class Latencies
{
    private readonly List<long> _ticks = [];

    public int Count => _ticks.Count;

    public void Add(long ticks) => _ticks.Add(ticks);

    public static Latencies Merge(IEnumerable<Latencies> parts)
    {
        var all = new Latencies();
        foreach (var p in parts)
        {
            all._ticks.AddRange(p._ticks);
        }

        all._ticks.Sort();
        return all;
    }

    /// <summary>The nearest-rank percentile in milliseconds (call on a merged, sorted instance); NaN when empty.</summary>
    public double PercentileMs(double percentile)
    {
        if (_ticks.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * _ticks.Count) - 1;
        return ToMs(_ticks[Math.Clamp(rank, 0, _ticks.Count - 1)]);
    }

    public double MaxMs => _ticks.Count == 0 ? double.NaN : ToMs(_ticks[^1]);

    public static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
