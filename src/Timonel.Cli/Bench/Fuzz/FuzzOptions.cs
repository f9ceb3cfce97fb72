namespace Timonel.Cli.Bench.Fuzz;

/// <summary>Settings of `timonel bench fuzz`; each names its flag.</summary>
internal sealed record FuzzOptions
{
    /// <summary>--duration: how long the workers send (default 60 s; at most 24 h).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>--seed: makes the request sequence of each worker reproducible (default: from the clock).</summary>
    public int Seed { get; init; } = Environment.TickCount & 0x7FFFFFFF;

    /// <summary>--concurrency: workers sending at once (default 4).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>--findings DIR: where each finding is saved as a replayable JSON file.</summary>
    public string? FindingsDir { get; init; }

    /// <summary>--replay DIR: send each saved request of DIR once instead of generating (regression run).</summary>
    public string? ReplayDir { get; init; }

    /// <summary>--max-rss-mb: the campaign fails if the server's peak RSS goes above this (default 1024).</summary>
    public long MaxRssMegabytes { get; init; } = 1024;

    /// <summary>--datastore-endpoint: passed to the private server (default: its embedded SQLite store).</summary>
    public string? DatastoreEndpoint { get; init; }

    public void Validate()
    {
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(24))
        {
            throw new ArgumentException($"--duration {Duration.TotalSeconds} must be above 0 and at most 86400 seconds");
        }

        if (Concurrency is < 1 or > 256)
        {
            throw new ArgumentException($"--concurrency {Concurrency} must be between 1 and 256");
        }

        if (MaxRssMegabytes < 1)
        {
            throw new ArgumentException($"--max-rss-mb {MaxRssMegabytes} must be at least 1");
        }

        if (ReplayDir is { } dir && !Directory.Exists(dir))
        {
            throw new ArgumentException($"--replay {dir}: no such directory");
        }
    }
}
