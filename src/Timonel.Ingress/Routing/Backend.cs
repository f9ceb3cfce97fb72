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
        Urls = [.. endpoints.Select(e => $"http://{e}")];
        Problem = problem;
    }

    /// <summary>"namespace/name" of the Service, for logs and answers.</summary>
    public string Service { get; }

    /// <summary>Ready endpoints (address and target port); empty when <see cref="Problem"/> is set.</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; }

    /// <summary>"http://address:port" of each of <see cref="Endpoints"/>, same order: made once per table, not per request.</summary>
    public IReadOnlyList<string> Urls { get; }

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
        var i = PickIndex();
        return i < 0 ? null : Endpoints[i];
    }

    /// <summary>The index in <see cref="Endpoints"/> and <see cref="Urls"/> of the next endpoint in round-robin order; -1 when there is none.</summary>
    public int PickIndex()
    {
        if (Endpoints.Count == 0)
        {
            return -1;
        }

        var n = (uint)Interlocked.Increment(ref _next);
        return (int)(n % (uint)Endpoints.Count);
    }
}
