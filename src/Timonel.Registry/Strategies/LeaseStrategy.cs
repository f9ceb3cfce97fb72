using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>Leases (coordination.k8s.io/v1): kept as sent; durations positive, transitions never negative.</summary>
public sealed class LeaseStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        FieldChecks.Positive(spec, "leaseDurationSeconds", "spec.leaseDurationSeconds", errs);
        FieldChecks.NonNegative(spec, "leaseTransitions", "spec.leaseTransitions", errs);
    }
}
