using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Registry.Strategies;

/// <summary>
/// certificates.k8s.io/v1 CertificateSigningRequests: upstream's required fields, and a spec that
/// never changes after create (an update's spec is replaced by the stored one, as upstream's
/// strategy does; the requester fields are set from the authenticated user at create).
/// </summary>
public sealed class CertificateSigningRequestStrategy() : ResourceStrategy(namespaced: false, hasStatus: true)
{
    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        CopyFromOld(obj, old, "spec");
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs) => StoredKindRules.CertificateSigningRequest(obj, errs);
}
