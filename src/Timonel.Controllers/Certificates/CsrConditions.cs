using k8s.Models;

namespace Timonel.Controllers.Certificates;

/// <summary>Reads and adds a CSR's Approved / Denied / Failed conditions as upstream's certificates helpers do.</summary>
public static class CsrConditions
{
    public const string Approved = "Approved";
    public const string Denied = "Denied";
    public const string Failed = "Failed";

    public static bool Has(V1CertificateSigningRequest csr, string type) =>
        csr.Status?.Conditions?.Any(c => c.Type == type && c.Status != "False") == true;

    /// <summary>Approved and not denied (upstream's IsCertificateRequestApproved).</summary>
    public static bool IsApproved(V1CertificateSigningRequest csr) => Has(csr, Approved) && !Has(csr, Denied);

    public static bool IsIssued(V1CertificateSigningRequest csr) => csr.Status?.Certificate is { Length: > 0 };

    public static void Add(V1CertificateSigningRequest csr, string type, string reason, string message, DateTimeOffset now)
    {
        csr.Status ??= new V1CertificateSigningRequestStatus();
        csr.Status.Conditions ??= [];
        csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
        {
            Type = type,
            Status = "True",
            Reason = reason,
            Message = message,
            LastUpdateTime = now.UtcDateTime,
            LastTransitionTime = now.UtcDateTime,
        });
    }
}
