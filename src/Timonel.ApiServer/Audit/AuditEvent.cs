using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Audit;

/// <summary>
/// One request at one stage as the audit log records it (upstream's audit.k8s.io/v1 Event): who,
/// acting as whom, did what to which object, from where, with what outcome; the bodies only at
/// the levels that carry them (Request: the request's, RequestResponse: both).
/// </summary>
public sealed record AuditEvent(
    string AuditId,
    string RequestUri,
    RequestAttributes Attributes,
    UserInfo User,
    UserInfo? ImpersonatedUser,
    IReadOnlyList<string> SourceIps,
    string? UserAgent,
    int Code,
    DateTimeOffset Received,
    DateTimeOffset Completed,
    string Decision)
{
    public AuditLevel Level { get; init; } = AuditLevel.Metadata;

    /// <summary>One of <see cref="AuditStages"/>; RequestReceived events carry no response status.</summary>
    public string Stage { get; init; } = AuditStages.ResponseComplete;

    /// <summary>The request body as JSON (Request level and above), or null.</summary>
    public JsonNode? RequestObject { get; init; }

    /// <summary>The response body as JSON (RequestResponse level), or null.</summary>
    public JsonNode? ResponseObject { get; init; }

    /// <summary>The responseStatus message of a Panic event.</summary>
    public string? Message { get; init; }
}
