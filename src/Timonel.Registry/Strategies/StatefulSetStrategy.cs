using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>StatefulSets (apps/v1): DNS-1123 label names, OrderedReady and RollingUpdate defaults, a spec mostly fixed after creation.</summary>
public sealed class StatefulSetStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new() { ["replicas"] = 0, ["availableReplicas"] = 0 };

    private static readonly string[] MutableSpecFields =
        ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

    protected override NameRule NameRule => NameRules.DnsLabel;

    protected override bool StatusUpdateKeepsLabels => true;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.DefaultString("podManagementPolicy", "OrderedReady");
        var strategy = spec.Ensure("updateStrategy");
        strategy.DefaultString("type", "RollingUpdate");
        if (strategy.Str("type") == "RollingUpdate")
        {
            strategy.Ensure("rollingUpdate").Default("partition", 0);
        }
        spec.Default("replicas", 1);
        spec.Default("revisionHistoryLimit", 10);
        var retention = spec.Ensure("persistentVolumeClaimRetentionPolicy");
        retention.DefaultString("whenDeleted", "Retain");
        retention.DefaultString("whenScaled", "Retain");
        PodDefaults.ApplyToTemplate(spec.Obj("template"));
        foreach (var (_, claim) in spec.Arr("volumeClaimTemplates").Objects())
        {
            claim.Ensure("spec").DefaultString("volumeMode", "Filesystem");
        }
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        WorkloadValidation.ValidateCounts(spec, errs);
        WorkloadValidation.ValidateSelectorAndTemplate(spec, "statefulset", errs, validatePodSpec: false);
        FieldChecks.OneOf(spec, "podManagementPolicy", "spec.podManagementPolicy", ["OrderedReady", "Parallel"], errs, required: true);
        var strategy = spec.Obj("updateStrategy");
        FieldChecks.OneOf(strategy, "type", "spec.updateStrategy.type", ["RollingUpdate", "OnDelete"], errs, required: true);
        if (strategy.Str("type") == "OnDelete" && strategy.Has("rollingUpdate"))
        {
            errs.Add(FieldError.Invalid("spec.updateStrategy.rollingUpdate", null, "only allowed for updateStrategy 'RollingUpdate'"));
        }
        FieldChecks.NonNegative(strategy.Obj("rollingUpdate"), "partition", "spec.updateStrategy.rollingUpdate.partition", errs);
        var retention = spec.Obj("persistentVolumeClaimRetentionPolicy");
        FieldChecks.OneOf(retention, "whenDeleted", "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", ["Retain", "Delete"], errs);
        FieldChecks.OneOf(retention, "whenScaled", "spec.persistentVolumeClaimRetentionPolicy.whenScaled", ["Retain", "Delete"], errs);
        if (spec.Str("serviceName") is { Length: > 0 } serviceName)
        {
            foreach (var msg in NameValidation.IsDns1123Label(serviceName))
            {
                errs.Add(FieldError.Invalid("spec.serviceName", serviceName, msg));
            }
        }
        foreach (var (i, claim) in spec.Arr("volumeClaimTemplates").Objects())
        {
            PersistentVolumeClaimStrategy.ValidateSpec(claim.Obj("spec"), $"spec.volumeClaimTemplates[{i}].spec", errs);
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var now = (obj.Obj("spec")?.DeepClone() as JsonObject) ?? [];
        var before = (old.Obj("spec")?.DeepClone() as JsonObject) ?? [];
        foreach (var key in MutableSpecFields)
        {
            now.Remove(key);
            before.Remove(key);
        }
        if (!JsonAccess.Same(now, before))
        {
            errs.Add(FieldError.Forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
    }
}
