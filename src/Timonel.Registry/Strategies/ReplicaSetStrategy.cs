using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>ReplicaSets (apps/v1): replicas default 1, selector matches the template and never changes.</summary>
public sealed class ReplicaSetStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new() { ["replicas"] = 0 };

    protected override bool StatusUpdateKeepsLabels => true;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.Default("replicas", 1);
        PodDefaults.ApplyToTemplate(spec.Obj("template"));
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        WorkloadValidation.ValidateCounts(spec, errs);
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "replicaset", errs);
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        FieldChecks.Immutable(obj.Obj("spec")?["selector"], old.Obj("spec")?["selector"], "spec.selector", errs);
}
