using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Pods (upstream pkg/registry/core/pod/strategy.go): created Pending with a QoS class; the spec
/// is fixed after creation except images, activeDeadlineSeconds, added tolerations and removed
/// scheduling gates.
/// </summary>
public sealed class PodStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    private const string UpdateForbidden =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    public override void PrepareForCreate(JsonObject obj)
    {
        // Defaults first: the QoS class depends on requests defaulted from limits.
        PodDefaults.ApplyToPod(obj);
        var status = new JsonObject { ["phase"] = "Pending", ["qosClass"] = PodQos.Classify(obj.Obj("spec")) };
        if (obj.Obj("spec").Arr("schedulingGates") is { Count: > 0 })
        {
            status["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "False",
                ["reason"] = "SchedulingGated",
                ["message"] = "Scheduling is blocked due to non-empty scheduling gates",
            });
        }
        obj["status"] = status;
    }

    public override void PrepareForStatusUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForStatusUpdate(obj, old);
        // The QoS class is fixed at creation; owners do not change through /status.
        if (obj["status"] is JsonObject status && old.Obj("status").Str("qosClass") is { } qos)
        {
            status["qosClass"] = qos;
        }
        if (obj["metadata"] is JsonObject meta)
        {
            CopyFromOld(meta, old.Obj("metadata") ?? [], "ownerReferences");
        }
    }

    public override void ApplyDefaults(JsonObject obj) => PodDefaults.ApplyToPod(obj);

    protected override void Validate(JsonObject obj, List<FieldError> errs) =>
        PodSpecValidation.Validate(obj.Obj("spec"), "spec", errs);

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec");
        if (spec is null || oldSpec is null)
        {
            return;
        }
        var oldDeadline = oldSpec.Int("activeDeadlineSeconds");
        var newDeadline = spec.Int("activeDeadlineSeconds");
        if (oldDeadline is not null && newDeadline is null)
        {
            errs.Add(FieldError.Invalid("spec.activeDeadlineSeconds", "null", "must not update from a positive integer to nil value"));
        }
        else if (oldDeadline is { } before && newDeadline is { } after && after > before)
        {
            errs.Add(FieldError.Invalid("spec.activeDeadlineSeconds", after, "must be less than or equal to previous value"));
        }
        ValidateTolerationsKept(spec.Arr("tolerations"), oldSpec.Arr("tolerations"), errs);
        var newGates = spec.Arr("schedulingGates").Objects().Select(g => g.Item.Str("name")).ToList();
        var oldGates = oldSpec.Arr("schedulingGates").Objects().Select(g => g.Item.Str("name")).ToHashSet();
        if (newGates.Any(g => !oldGates.Contains(g)))
        {
            errs.Add(FieldError.Forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate"));
        }

        // Compare the specs with every mutable field taken from the new one.
        var merged = (JsonObject)oldSpec.DeepClone();
        foreach (var list in new[] { "containers", "initContainers" })
        {
            var now = spec.Arr(list);
            var before = merged.Arr(list);
            if (now is not null && before is not null && now.Count == before.Count)
            {
                for (var i = 0; i < now.Count; i++)
                {
                    if (before[i] is JsonObject b && now[i] is JsonObject n)
                    {
                        b["image"] = n["image"]?.DeepClone();
                    }
                }
            }
        }
        foreach (var key in new[] { "activeDeadlineSeconds", "tolerations", "schedulingGates" })
        {
            CopyFromOld(merged, spec, key);
        }
        if (oldSpec.Int("terminationGracePeriodSeconds") is < 0 && spec.Int("terminationGracePeriodSeconds") == 1)
        {
            merged["terminationGracePeriodSeconds"] = 1;
        }
        if (!JsonAccess.Same(merged, spec))
        {
            errs.Add(FieldError.Forbidden("spec", UpdateForbidden));
        }
    }

    private static void ValidateTolerationsKept(JsonArray? now, JsonArray? before, List<FieldError> errs)
    {
        static string Key(JsonObject t) =>
            $"{t.Str("key")}|{t.Str("operator") ?? "Equal"}|{t.Str("value")}|{t.Str("effect")}";
        var current = now.Objects().Select(t => Key(t.Item)).ToHashSet();
        foreach (var (_, t) in before.Objects())
        {
            if (!current.Contains(Key(t)))
            {
                errs.Add(FieldError.Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
                return;
            }
        }
    }
}
