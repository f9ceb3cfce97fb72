using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Audit;

/// <summary>
/// One request as the audit log records it at the Metadata level (upstream's audit.k8s.io/v1
/// Event at stage ResponseComplete): who, acting as whom, did what to which object, from where,
/// with what outcome. Request and response bodies are never recorded.
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
    string Decision);
