using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>DaemonSets (apps/v1): RollingUpdate 1/0 by default, selector immutable.</summary>
public sealed class DaemonSetStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new()
    {
        ["currentNumberScheduled"] = 0,
        ["numberMisscheduled"] = 0,
        ["desiredNumberScheduled"] = 0,
        ["numberReady"] = 0,
    };

    protected override bool StatusUpdateKeepsLabels => true;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        var strategy = spec.Ensure("updateStrategy");
        strategy.DefaultString("type", "RollingUpdate");
        if (strategy.Str("type") == "RollingUpdate")
        {
            var rolling = strategy.Ensure("rollingUpdate");
            rolling.Default("maxUnavailable", 1);
            rolling.Default("maxSurge", 0);
        }
        spec.Default("revisionHistoryLimit", 10);
        PodDefaults.ApplyToTemplate(spec.Obj("template"));
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        WorkloadValidation.ValidateCounts(spec, errs);
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "daemonset", errs);
        var strategy = spec.Obj("updateStrategy");
        FieldChecks.OneOf(strategy, "type", "spec.updateStrategy.type", ["RollingUpdate", "OnDelete"], errs, required: true);
        if (strategy.Obj("rollingUpdate") is { } rolling)
        {
            if (strategy.Str("type") == "OnDelete")
            {
                errs.Add(FieldError.Forbidden("spec.updateStrategy.rollingUpdate", "may not be specified when strategy `type` is 'OnDelete'"));
            }
            else
            {
                DeploymentStrategy.ValidateRollingUpdate(rolling, "spec.updateStrategy.rollingUpdate", errs);
            }
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        FieldChecks.Immutable(obj.Obj("spec")?["selector"], old.Obj("spec")?["selector"], "spec.selector", errs);
}
