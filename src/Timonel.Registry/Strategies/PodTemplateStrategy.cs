using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>PodTemplates (core/v1): the template is a pod template, defaulted and validated as a workload's (upstream's ValidatePodTemplate).</summary>
public sealed class PodTemplateStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    public override void ApplyDefaults(JsonObject obj) => PodDefaults.ApplyToTemplate(obj.Obj("template"));

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        if (obj.Obj("template") is not { } template)
        {
            // Upstream's PodTemplate.template is a struct: an absent one validates as an empty pod spec.
            errs.Add(FieldError.Required("template.spec.containers", ""));
            return;
        }

        PodSpecValidation.ValidateTemplate(template, "template", errs);
    }
}
