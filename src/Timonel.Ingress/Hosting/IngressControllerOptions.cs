using Timonel.Ingress.Proxy;

namespace Timonel.Ingress.Hosting;

/// <summary>The ingress controller of one node.</summary>
public sealed record IngressControllerOptions
{
    /// <summary>The node it runs on: the source host of its events.</summary>
    public required string NodeName { get; init; }

    public IngressProxyOptions Proxy { get; init; } = new();

    /// <summary>Create the IngressClass "timonel" (the cluster default) at start when absent.</summary>
    public bool CreateDefaultClass { get; init; } = true;

    /// <summary>How often the controller rebuilds and rewrites statuses without a change (retries failed writes).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the proxy waits for the first full view of the cluster before it serves what it has.</summary>
    public TimeSpan InitialSyncTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
