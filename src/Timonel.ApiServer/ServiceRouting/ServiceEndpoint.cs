using System.Text.Json.Nodes;

namespace Timonel.ApiServer.ServiceRouting;

/// <summary>Which port of a Service a caller means: its number (looked up in spec.ports), or its name as it is.</summary>
internal readonly record struct ServicePortRef(int? Number, string Name)
{
    public static ServicePortRef ByNumber(int number) => new(number, "");

    public static ServicePortRef ByName(string name) => new(null, name);
}

/// <summary>
/// One ready address of a Service's endpoints on the endpoint port that carries the Service
/// port's name, with what the callers' checks judge it by (the node it is on, the pod it stands for).
/// </summary>
internal sealed record ServiceEndpoint(string Address, int Port, string? NodeName, JsonObject? TargetRef);

/// <summary>A caller's verdict on one endpoint: use it, or pass it over (with the reason to report, if any).</summary>
internal readonly record struct EndpointVerdict(bool Usable, string? Reason)
{
    public static EndpointVerdict Use => new(true, null);

    public static EndpointVerdict Skip(string? reason = null) => new(false, reason);
}

/// <summary>Judges an endpoint before it is chosen (which nodes, which pods, which address forms a caller accepts).</summary>
internal delegate ValueTask<EndpointVerdict> EndpointCheck(ServiceEndpoint endpoint, CancellationToken cancellationToken);

/// <summary>Why a Service led nowhere.</summary>
internal enum ServiceResolutionError
{
    None,
    ServiceNotFound,
    PortNotFound,
    EndpointsNotFound,
    NoEndpoints,
}

/// <summary>
/// The outcome of a resolution: the endpoint, or the error, with the last reason an endpoint was
/// passed over and how many endpoint groups (subsets, slices) the Service listed. Each caller
/// words the errors its own way.
/// </summary>
internal sealed record ServiceResolution(ServiceEndpoint? Endpoint, ServiceResolutionError Error, string? Skipped = null, int Groups = 0)
{
    public static ServiceResolution Failed(ServiceResolutionError error, string? skipped = null, int groups = 0) => new(null, error, skipped, groups);
}
