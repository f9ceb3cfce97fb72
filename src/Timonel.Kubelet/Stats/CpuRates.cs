namespace Timonel.Kubelet.Stats;

/// <summary>
/// Turns cumulative CPU readings into usageNanoCores from the previous reading of the same key,
/// as upstream's CRI stats provider and cadvisor do: (Δ core-nanoseconds) / (Δ seconds). The
/// first reading of a key, a counter that went backwards (a restarted container reusing a key)
/// or a reading no newer than the last one gives no rate. Thread-safe: concurrent scrapes share
/// one instance, each reading replacing the last.
/// </summary>
public sealed class CpuRates
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CpuReading> _last = new(StringComparer.Ordinal);

    /// <summary>The reading with its rate filled in when the previous one allows; remembered as the new previous.</summary>
    public CpuReading Update(string key, CpuReading reading)
    {
        lock (_lock)
        {
            var hadPrevious = _last.TryGetValue(key, out var previous);
            if (hadPrevious && reading.Time <= previous!.Time)
            {
                // An older or same-instant reading (a concurrent scrape) neither moves the baseline nor gets a rate.
                return reading with { UsageNanoCores = previous.UsageNanoCores };
            }

            if (hadPrevious && reading.UsageCoreNanoSeconds >= previous!.UsageCoreNanoSeconds)
            {
                var seconds = (reading.Time - previous.Time).TotalSeconds;
                reading = reading with { UsageNanoCores = (ulong)Math.Round((reading.UsageCoreNanoSeconds - previous.UsageCoreNanoSeconds) / seconds) };
            }

            _last[key] = reading;
            return reading;
        }
    }

    /// <summary>Forgets every key not in <paramref name="live"/>: containers and pods that went away stop taking memory.</summary>
    public void Retain(IReadOnlySet<string> live)
    {
        lock (_lock)
        {
            foreach (var gone in _last.Keys.Where(k => !live.Contains(k)).ToList())
            {
                _last.Remove(gone);
            }
        }
    }
}
