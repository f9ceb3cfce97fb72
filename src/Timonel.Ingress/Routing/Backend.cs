using System.Net;

namespace Timonel.Ingress.Routing;

/// <summary>
/// Where one rule sends its requests: the ready endpoints of a Service port, or, when they
/// cannot be had, the reason (the proxy answers 503 with it). Instances are immutable and shared by
/// the requests of one route table.
/// </summary>
public sealed class Backend
{
    private int _next;

    private Backend(string service, IReadOnlyList<IPEndPoint> endpoints, string? problem)
    {
        Service = service;
        Endpoints = endpoints;
        Problem = problem;
    }

    /// <summary>"namespace/name" of the Service, for logs and answers.</summary>
    public string Service { get; }

    /// <summary>Ready endpoints (address and target port); empty when <see cref="Problem"/> is set.</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; }

    /// <summary>Why the backend cannot serve ("service ns/x not found"); null when it can.</summary>
    public string? Problem { get; }

    /// <summary>True when the Service or its port does not exist (an event explains); false for a temporary lack of ready endpoints.</summary>
    public bool IsMisconfigured { get; private init; }

    public static Backend Ready(string service, IReadOnlyList<IPEndPoint> endpoints) =>
        endpoints.Count == 0 ? Unavailable(service, $"service {service} has no ready endpoints") : new Backend(service, endpoints, null);

    public static Backend Unavailable(string service, string problem) => new(service, [], problem);

    public static Backend Misconfigured(string service, string problem) => new(service, [], problem) { IsMisconfigured = true };

    /// <summary>The next endpoint in round-robin order; null when there is none.</summary>
    public IPEndPoint? Pick()
    {
        if (Endpoints.Count == 0)
        {
            return null;
        }

        var n = (uint)Interlocked.Increment(ref _next);
        return Endpoints[(int)(n % (uint)Endpoints.Count)];
    }
}
