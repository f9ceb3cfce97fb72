namespace Timonel.ApiServer.Audit;

/// <summary>Where audit events go (upstream's audit backend). Must not block the request: buffer and write elsewhere.</summary>
public interface IAuditSink
{
    void Record(AuditEvent auditEvent);
}
