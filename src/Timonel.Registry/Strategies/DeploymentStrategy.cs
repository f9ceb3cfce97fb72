using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>Deployments (apps/v1): defaults of SetDefaults_Deployment, ValidateDeployment, selector immutable.</summary>
public sealed class DeploymentStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override bool StatusUpdateKeepsLabels => true;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.Default("replicas", 1);
        var strategy = spec.Ensure("strategy");
        strategy.DefaultString("type", "RollingUpdate");
        if (strategy.Str("type") == "RollingUpdate")
        {
            var rolling = strategy.Ensure("rollingUpdate");
            rolling.Default("maxUnavailable", "25%");
            rolling.Default("maxSurge", "25%");
        }
        spec.Default("revisionHistoryLimit", 10);
        spec.Default("progressDeadlineSeconds", 600);
        PodDefaults.ApplyToTemplate(spec.Obj("template"));
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        WorkloadValidation.ValidateCounts(spec, errs);
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "deployment", errs);
        var strategy = spec.Obj("strategy");
        FieldChecks.OneOf(strategy, "type", "spec.strategy.type", ["Recreate", "RollingUpdate"], errs, required: true);
        var rolling = strategy.Obj("rollingUpdate");
        if (strategy.Str("type") == "Recreate" && rolling is not null)
        {
            errs.Add(FieldError.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
        }
        else if (rolling is not null)
        {
            ValidateRollingUpdate(rolling, "spec.strategy.rollingUpdate", errs);
        }
        if (spec.Int("progressDeadlineSeconds") is { } deadline)
        {
            FieldChecks.NonNegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", errs);
            if (deadline <= (spec.Int("minReadySeconds") ?? 0))
            {
                errs.Add(FieldError.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }
    }

    /// <summary>maxUnavailable and maxSurge: int or percent, at most 100% unavailable, not both zero.</summary>
    internal static void ValidateRollingUpdate(JsonObject rolling, string path, List<FieldError> errs)
    {
        FieldChecks.IntOrPercent(rolling["maxUnavailable"], $"{path}.maxUnavailable", errs, atMost100: true);
        FieldChecks.IntOrPercent(rolling["maxSurge"], $"{path}.maxSurge", errs);
        if (FieldChecks.IsZeroIntOrPercent(rolling["maxUnavailable"]) && FieldChecks.IsZeroIntOrPercent(rolling["maxSurge"]))
        {
            errs.Add(FieldError.Invalid($"{path}.maxUnavailable", FieldChecks.Display(rolling["maxUnavailable"]), "may not be 0 when `maxSurge` is 0"));
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        FieldChecks.Immutable(obj.Obj("spec")?["selector"], old.Obj("spec")?["selector"], "spec.selector", errs);
}
