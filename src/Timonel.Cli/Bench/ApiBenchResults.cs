namespace Timonel.Cli.Bench;

/// <summary>Everything one `timonel bench api` run measured; parts not run are null.</summary>
internal sealed record ApiBenchResults
{
    public required string ServerUrl { get; init; }

    public required string Store { get; init; }

    public required string HttpVersion { get; init; }

    public required int Concurrency { get; init; }

    public required DateTimeOffset Started { get; init; }

    public long? IdleRssBytes { get; init; }

    public long? FinalRssBytes { get; init; }

    public long? PeakRssBytes { get; init; }

    public RateResult? Create { get; init; }

    public RateResult? Get { get; init; }

    public ListResult? List { get; init; }

    public WatchResult? Watch { get; init; }

    /// <summary>Server-side applies of a Deployment (measurement "apply").</summary>
    public RateResult? Apply { get; init; }

    /// <summary>Updates (PUT) of a Deployment, the apply's yardstick.</summary>
    public RateResult? Update { get; init; }

    /// <summary>Creates of a custom resource with a 50-field schema and 3 CEL rules (measurement "crd").</summary>
    public RateResult? CustomResourceCreate { get; init; }

    /// <summary>ConfigMap creates run just before, the custom resource's yardstick.</summary>
    public RateResult? CustomResourceYardstick { get; init; }

    /// <summary>CRD created → served in discovery, one sample per CRD (measurement "crd-discovery").</summary>
    public Latencies? CrdDiscovery { get; init; }
}
