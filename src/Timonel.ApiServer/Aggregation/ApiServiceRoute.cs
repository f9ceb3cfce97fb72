using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Aggregation;

/// <summary>The Service an APIService sends its group/version to (spec.service).</summary>
internal sealed record ServiceReference(string Namespace, string Name, int Port)
{
    /// <summary>The name the backend's serving certificate must carry, as upstream verifies it: NAME.NAMESPACE.svc.</summary>
    public string ServerName => $"{Name}.{Namespace}.svc";
}

/// <summary>
/// What the aggregator needs of one APIService: its group/version, priorities, where it is
/// served (null for a local one) and how the backend's certificate is checked.
/// </summary>
internal sealed record ApiServiceRoute(
    string Name,
    string Group,
    string Version,
    int GroupPriorityMinimum,
    int VersionPriority,
    ServiceReference? Service,
    string CaBundle,
    bool InsecureSkipTlsVerify,
    bool Available)
{
    public bool IsLocal => Service is null;

    public static ApiServiceRoute From(JsonObject apiService)
    {
        var spec = apiService.Obj("spec");
        var service = spec.Obj("service") is { } s
            ? new ServiceReference(s.Str("namespace") ?? "", s.Str("name") ?? "", (int)(s.Int("port") ?? 443))
            : null;
        var caBundle = spec.Str("caBundle") is { Length: > 0 } encoded && Base64.TryDecode(encoded, out var bytes)
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : "";
        var available = apiService.Obj("status").Arr("conditions").Objects()
            .Any(c => c.Item.Str("type") == "Available" && c.Item.Str("status") == "True");
        return new ApiServiceRoute(
            apiService.Obj("metadata").Str("name") ?? "",
            spec.Str("group") ?? "",
            spec.Str("version") ?? "",
            (int)(spec.Int("groupPriorityMinimum") ?? 0),
            (int)(spec.Int("versionPriority") ?? 0),
            service,
            caBundle,
            spec.Bool("insecureSkipTLSVerify") == true,
            available);
    }
}
