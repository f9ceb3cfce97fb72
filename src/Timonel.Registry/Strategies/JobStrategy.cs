using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Jobs (batch/v1): a selector generated from the uid unless spec.manualSelector, the defaults of
/// SetDefaults_Job, and a template that restarts OnFailure or Never and is fixed once created.
/// </summary>
public sealed class JobStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyJobNameLabel = "job-name";

    // Fields of a suspended job's template that may change before it ever started (upstream's mutable scheduling directives).
    private static readonly string[] SchedulingDirectives = ["nodeSelector", "tolerations", "affinity", "schedulingGates"];

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        if (obj.Obj("spec").Bool("manualSelector") != true)
        {
            GenerateSelector(obj);
        }
    }

    /// <summary>Labels the template with the job's name and uid and selects the uid label (upstream's generateSelector).</summary>
    private static void GenerateSelector(JsonObject obj)
    {
        var name = obj.Obj("metadata").Str("name") ?? "";
        var uid = obj.Obj("metadata").Str("uid") ?? "";
        var spec = obj.Ensure("spec");
        var labels = spec.Ensure("template").Ensure("metadata").Ensure("labels");
        // A label the user set already is kept; validation rejects it if it conflicts.
        labels.Default(LegacyJobNameLabel, name);
        labels.Default(JobNameLabel, name);
        labels.Default(LegacyControllerUidLabel, uid);
        labels.Default(ControllerUidLabel, uid);
        spec.Ensure("selector").Ensure("matchLabels").Default(ControllerUidLabel, uid);
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        ApplySpecDefaults(spec);
        // A job without labels takes its template's (SetDefaults_Job).
        var meta = obj.Ensure("metadata");
        if (meta.Obj("labels") is null or { Count: 0 } && spec.Obj("template").Obj("metadata").Obj("labels") is { Count: > 0 } templateLabels)
        {
            meta["labels"] = templateLabels.DeepClone();
        }
    }

    internal static void ApplySpecDefaults(JsonObject spec)
    {
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
        }
        spec.Default("parallelism", 1);
        spec.Default("backoffLimit", spec["backoffLimitPerIndex"] is null ? 6 : int.MaxValue);
        spec.DefaultString("completionMode", "NonIndexed");
        spec.Default("suspend", false);
        spec.DefaultString("podReplacementPolicy", spec["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed");
        PodDefaults.ApplyToTemplate(spec.Obj("template"));
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        ValidateSpec(spec, "spec", requireSelector: true, errs);
        if (spec.Bool("manualSelector") != true)
        {
            ValidateGeneratedSelector(obj, errs);
        }
    }

    /// <summary>A job spec, also the spec of a CronJob's jobTemplate (whose selector is generated later).</summary>
    internal static void ValidateSpec(JsonObject? spec, string path, bool requireSelector, List<FieldError> errs)
    {
        foreach (var key in new[] { "parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes" })
        {
            FieldChecks.NonNegative(spec, key, $"{path}.{key}", errs);
        }
        if (spec.Int("activeDeadlineSeconds") is { } deadline && deadline <= 0)
        {
            errs.Add(FieldError.Invalid($"{path}.activeDeadlineSeconds", deadline, "must be greater than 0"));
        }
        FieldChecks.OneOf(spec, "completionMode", $"{path}.completionMode", ["NonIndexed", "Indexed"], errs);
        if (spec.Str("completionMode") == "Indexed" && spec.Int("completions") is null)
        {
            errs.Add(FieldError.Required($"{path}.completions", "when completion mode is Indexed"));
        }
        FieldChecks.OneOf(spec, "podReplacementPolicy", $"{path}.podReplacementPolicy", ["TerminatingOrFailed", "Failed"], errs);
        var selector = spec.Obj("selector");
        if (selector is null)
        {
            if (requireSelector)
            {
                errs.Add(FieldError.Required($"{path}.selector", ""));
            }
        }
        else
        {
            LabelValidation.ValidateSelector(selector, $"{path}.selector", errs);
        }
        var template = spec.Obj("template");
        var labels = template.Obj("metadata").Obj("labels");
        if (selector is not null && !LabelValidation.IsEmptySelector(selector) && !LabelValidation.Matches(selector, labels))
        {
            errs.Add(FieldError.Invalid($"{path}.template.metadata.labels", JsonAccess.Compact(labels), "`selector` does not match template `labels`"));
        }
        PodSpecValidation.ValidateTemplate(template, $"{path}.template", errs);
        var restart = template.Obj("spec").Str("restartPolicy") ?? "";
        if (restart is not ("OnFailure" or "Never"))
        {
            errs.Add(FieldError.NotSupported($"{path}.template.spec.restartPolicy", restart, ["OnFailure", "Never"]));
        }
    }

    private static void ValidateGeneratedSelector(JsonObject obj, List<FieldError> errs)
    {
        var uid = obj.Obj("metadata").Str("uid") ?? "";
        var spec = obj.Obj("spec");
        if (spec.Obj("selector") is not { } selector)
        {
            return;
        }
        var labels = spec.Obj("template").Obj("metadata").Obj("labels");
        foreach (var label in new[] { LegacyControllerUidLabel, ControllerUidLabel })
        {
            if (labels.Str(label) is { } value && value != uid)
            {
                errs.Add(FieldError.Invalid("spec.template.metadata.labels", JsonAccess.Compact(labels), $"must be '{label}={uid}'"));
            }
        }
        if (selector.Obj("matchLabels").Str(ControllerUidLabel) != uid)
        {
            errs.Add(FieldError.Invalid("spec.selector", JsonAccess.Compact(selector), "`selector` not auto-generated"));
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec");
        FieldChecks.Immutable(spec?["selector"], oldSpec?["selector"], "spec.selector", errs);
        FieldChecks.Immutable(spec?["completionMode"], oldSpec?["completionMode"], "spec.completionMode", errs);
        FieldChecks.Immutable(spec?["podFailurePolicy"], oldSpec?["podFailurePolicy"], "spec.podFailurePolicy", errs);
        FieldChecks.Immutable(spec?["backoffLimitPerIndex"], oldSpec?["backoffLimitPerIndex"], "spec.backoffLimitPerIndex", errs);
        // Indexed jobs may scale completions together with parallelism (elastic indexed jobs).
        var elastic = spec.Str("completionMode") == "Indexed" && spec.Int("completions") == spec.Int("parallelism");
        if (!elastic)
        {
            FieldChecks.Immutable(spec?["completions"], oldSpec?["completions"], "spec.completions", errs);
        }
        var template = (spec.Obj("template")?.DeepClone() as JsonObject) ?? [];
        var oldTemplate = (oldSpec.Obj("template")?.DeepClone() as JsonObject) ?? [];
        if (oldSpec.Bool("suspend") == true && old.Obj("status").Str("startTime") is null)
        {
            // A suspended job that never started may still be re-targeted.
            foreach (var t in new[] { template, oldTemplate })
            {
                t.Obj("metadata")?.Remove("labels");
                t.Obj("metadata")?.Remove("annotations");
                foreach (var key in SchedulingDirectives)
                {
                    t.Obj("spec")?.Remove(key);
                }
            }
        }
        if (!JsonAccess.Same(template, oldTemplate))
        {
            errs.Add(FieldError.Invalid("spec.template", JsonAccess.Compact(spec.Obj("template")), "field is immutable"));
        }
    }
}
