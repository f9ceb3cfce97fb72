using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>What Deployment, ReplicaSet, StatefulSet and DaemonSet share: a selector that matches a template that restarts Always.</summary>
public static class WorkloadValidation
{
    /// <summary>
    /// spec.selector required, non-empty and matching spec.template.metadata.labels; the template a
    /// valid pod template. Without <paramref name="validatePodSpec"/> only the template's labels and
    /// annotations are checked, as upstream checks a StatefulSet's: its containers may mount volumes
    /// that only its volumeClaimTemplates declare, so its pods are validated when they are created.
    /// </summary>
    public static void ValidateSelectorAndTemplate(JsonObject? spec, string kindLower, List<FieldError> errs, bool requireAlways = true, bool validatePodSpec = true)
    {
        var selector = spec.Obj("selector");
        if (selector is null)
        {
            errs.Add(FieldError.Required("spec.selector", ""));
        }
        else
        {
            LabelValidation.ValidateSelector(selector, "spec.selector", errs);
            if (LabelValidation.IsEmptySelector(selector))
            {
                errs.Add(FieldError.Invalid("spec.selector", JsonAccess.Compact(selector), $"empty selector is invalid for {kindLower}"));
            }
        }
        ValidateTemplate(spec, selector, kindLower, errs, requireAlways, validatePodSpec);
    }

    /// <summary>
    /// A core/v1 ReplicationController spec (upstream's ValidateReplicationControllerSpec): the
    /// selector is a label map that must not be empty and must match the template's labels;
    /// the template is required and restarts Always.
    /// </summary>
    public static void ValidateReplicationControllerSpec(JsonObject? spec, List<FieldError> errs)
    {
        ValidateCounts(spec, errs);
        var selector = spec.Obj("selector");
        LabelValidation.ValidateLabels(selector, "spec.selector", errs);
        if (!selector.StringMap().Any())
        {
            errs.Add(FieldError.Required("spec.selector", ""));
        }

        // A map selector is a matchLabels selector; an empty one is not checked against the labels.
        var asLabelSelector = new JsonObject { ["matchLabels"] = selector?.DeepClone() };
        ValidateTemplate(spec, asLabelSelector, "replicationcontroller", errs, requireAlways: true, validatePodSpec: true);
    }

    private static void ValidateTemplate(JsonObject? spec, JsonObject? selector, string kindLower, List<FieldError> errs, bool requireAlways, bool validatePodSpec)
    {
        var template = spec.Obj("template");
        if (template is null)
        {
            errs.Add(FieldError.Required("spec.template", ""));
            return;
        }
        var labels = template.Obj("metadata").Obj("labels");
        if (selector is not null && !LabelValidation.IsEmptySelector(selector) && !LabelValidation.Matches(selector, labels))
        {
            errs.Add(FieldError.Invalid("spec.template.metadata.labels", JsonAccess.Compact(labels), "`selector` does not match template `labels`"));
        }
        if (validatePodSpec)
        {
            PodSpecValidation.ValidateTemplate(template, "spec.template", errs);
        }
        else
        {
            PodSpecValidation.ValidateTemplateMetadata(template, "spec.template", errs);
        }

        if (!requireAlways)
        {
            return;
        }
        var restart = template.Obj("spec").Str("restartPolicy") ?? "";
        if (restart.Length > 0 && restart != "Always")
        {
            errs.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restart, ["Always"]));
        }
        if (template.Obj("spec").Has("activeDeadlineSeconds"))
        {
            errs.Add(FieldError.Forbidden("spec.template.spec.activeDeadlineSeconds", $"activeDeadlineSeconds in {ActiveDeadlineOwner(kindLower)} is not Supported"));
        }
    }

    private static string ActiveDeadlineOwner(string kindLower) => kindLower switch
    {
        "daemonset" => "DaemonSet",
        "statefulset" => "StatefulSet",
        "replicationcontroller" => "ReplicationController",
        _ => "ReplicaSet",
    };

    /// <summary>replicas, minReadySeconds and revisionHistoryLimit are never negative.</summary>
    public static void ValidateCounts(JsonObject? spec, List<FieldError> errs)
    {
        foreach (var key in new[] { "replicas", "minReadySeconds", "revisionHistoryLimit" })
        {
            FieldChecks.NonNegative(spec, key, $"spec.{key}", errs);
        }
    }
}
