using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// Where a watch event's time goes inside the server, for /metrics: from the store's commit to
/// the event entering the watch cache, to its bytes being serialized, and to each watcher's
/// flush of it into its response (handed to Kestrel; the wire and the client come after). The
/// commit time is known for this process's own writes (embedded SQLite); otherwise the stages
/// count from the event's arrival in the cache, and the "cached" stage has no sample.
/// One instance per server, owned by <see cref="WatchCaches"/>; recording is lock-free.
/// </summary>
internal sealed class WatchStageMetrics
{
    public const string Name = "timonel_watch_event_stage_seconds";

    private static readonly double[] Bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Histogram _cached = new(Bounds.Length);
    private readonly Histogram _serialized = new(Bounds.Length);
    private readonly Histogram _flushed = new(Bounds.Length);

    /// <summary>The event entered the cache at <paramref name="now"/>.</summary>
    public void Cached(long committedAt, long now)
    {
        if (committedAt > 0)
        {
            _cached.Record(Stopwatch.GetElapsedTime(committedAt, now).TotalSeconds);
        }
    }

    /// <summary>The event's bytes were built at <paramref name="now"/> (once per event).</summary>
    public void Serialized(long origin, long now) => _serialized.Record(Stopwatch.GetElapsedTime(origin, now).TotalSeconds);

    /// <summary>One watcher flushed the event at <paramref name="now"/>.</summary>
    public void Flushed(long origin, long now) => _flushed.Record(Stopwatch.GetElapsedTime(origin, now).TotalSeconds);

    /// <summary>Appends the histograms in Prometheus text format.</summary>
    public void Render(StringBuilder sb)
    {
        sb.Append("# HELP ").Append(Name).Append(" Time from the store commit (or, when unknown, the watch cache's receipt) of a watch event to a stage: cached (entered the watch cache), serialized (its bytes built, once per event), flushed (handed to one watcher's response, per watcher).\n");
        sb.Append("# TYPE ").Append(Name).Append(" histogram\n");
        _cached.Render(sb, "cached");
        _serialized.Render(sb, "serialized");
        _flushed.Render(sb, "flushed");
    }

    private sealed class Histogram(int bounds)
    {
        private readonly long[] _counts = new long[bounds + 1];
        private long _sumMicros;

        public void Record(double seconds)
        {
            var i = 0;
            while (i < Bounds.Length && seconds > Bounds[i])
            {
                i++;
            }

            Interlocked.Increment(ref _counts[i]);
            Interlocked.Add(ref _sumMicros, (long)(seconds * 1e6));
        }

        public void Render(StringBuilder sb, string stage)
        {
            long cumulative = 0;
            for (var i = 0; i <= Bounds.Length; i++)
            {
                cumulative += Volatile.Read(ref _counts[i]);
                var le = i < Bounds.Length ? Bounds[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                sb.Append(CultureInfo.InvariantCulture, $"{Name}_bucket{{stage=\"{stage}\",le=\"{le}\"}} {cumulative}\n");
            }

            sb.Append(CultureInfo.InvariantCulture, $"{Name}_sum{{stage=\"{stage}\"}} {Volatile.Read(ref _sumMicros) / 1e6}\n");
            sb.Append(CultureInfo.InvariantCulture, $"{Name}_count{{stage=\"{stage}\"}} {cumulative}\n");
        }
    }
}
