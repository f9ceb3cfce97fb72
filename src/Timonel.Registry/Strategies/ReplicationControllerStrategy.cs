using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// ReplicationControllers (core/v1): defaulted as upstream's SetDefaults_ReplicationController
/// (selector and object labels from the template's labels when empty, replicas 1) and validated
/// as ValidateReplicationControllerSpec. Unlike a ReplicaSet's, the selector may change.
/// </summary>
public sealed class ReplicationControllerStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new() { ["replicas"] = 0 };

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        if (spec.Obj("template").Obj("metadata").Obj("labels") is { } templateLabels)
        {
            if (!spec.Obj("selector").StringMap().Any())
            {
                spec["selector"] = templateLabels.DeepClone();
            }

            var meta = obj.Ensure("metadata");
            if (!meta.Obj("labels").StringMap().Any())
            {
                meta["labels"] = templateLabels.DeepClone();
            }
        }

        spec.Default("replicas", 1);
        PodDefaults.ApplyToTemplate(spec.Obj("template"));
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs) =>
        WorkloadValidation.ValidateReplicationControllerSpec(obj.Obj("spec"), errs);
}
