namespace Timonel.Cli.Bench.Fuzz;

/// <summary>The figures of one campaign (or replay), as printed and kept in docs/benchmarks.md.</summary>
internal sealed record FuzzResults
{
    public required int Seed { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required long Requests { get; init; }

    public required IReadOnlyDictionary<int, long> ByStatus { get; init; }

    public required IReadOnlyDictionary<string, long> ByFamily { get; init; }

    public required IReadOnlyList<FuzzRequest> Findings { get; init; }

    public long? IdleRssBytes { get; init; }

    /// <summary>The highest RSS sampled (every 100 ms) during the run, or the kernel's VmHWM if higher.</summary>
    public long? PeakRssBytes { get; init; }

    public long? FinalRssBytes { get; init; }

    public bool ServerAlive { get; init; }

    public double RequestsPerMinute => Elapsed.TotalMinutes > 0 ? Requests / Elapsed.TotalMinutes : 0;
}
