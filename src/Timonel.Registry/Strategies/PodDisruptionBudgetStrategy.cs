using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>PodDisruptionBudgets (policy/v1): minAvailable or maxUnavailable (not both), each an int or a percent up to 100%.</summary>
public sealed class PodDisruptionBudgetStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new()
    {
        ["disruptionsAllowed"] = 0,
        ["currentHealthy"] = 0,
        ["desiredHealthy"] = 0,
        ["expectedPods"] = 0,
    };

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        if (spec.Has("minAvailable") && spec.Has("maxUnavailable"))
        {
            errs.Add(FieldError.Invalid("spec", JsonAccess.Compact(spec), "minAvailable and maxUnavailable cannot be both set"));
        }
        FieldChecks.IntOrPercent(spec?["minAvailable"], "spec.minAvailable", errs, atMost100: true);
        FieldChecks.IntOrPercent(spec?["maxUnavailable"], "spec.maxUnavailable", errs, atMost100: true);
        LabelValidation.ValidateSelector(spec.Obj("selector"), "spec.selector", errs);
        FieldChecks.OneOf(spec, "unhealthyPodEvictionPolicy", "spec.unhealthyPodEvictionPolicy", ["IfHealthyBudget", "AlwaysAllow"], errs);
    }
}
