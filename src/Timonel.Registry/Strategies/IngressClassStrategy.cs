using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>IngressClasses (networking/v1): a controller name (domain-prefixed path) that never changes, well-formed parameters.</summary>
public sealed class IngressClassStrategy() : ResourceStrategy(namespaced: false, hasStatus: false)
{
    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var controller = spec.Str("controller") ?? "";
        if (controller.Length == 0)
        {
            errs.Add(FieldError.Required("spec.controller", ""));
        }
        else if (controller.Length > 250)
        {
            errs.Add(FieldError.TooLong("spec.controller", controller, 250));
        }
        if (spec.Obj("parameters") is { } parameters)
        {
            if (string.IsNullOrEmpty(parameters.Str("kind")))
            {
                errs.Add(FieldError.Required("spec.parameters.kind", ""));
            }
            if (string.IsNullOrEmpty(parameters.Str("name")))
            {
                errs.Add(FieldError.Required("spec.parameters.name", ""));
            }
            FieldChecks.OneOf(parameters, "scope", "spec.parameters.scope", ["Cluster", "Namespace"], errs);
            if (parameters.Str("scope") == "Namespace" && string.IsNullOrEmpty(parameters.Str("namespace")))
            {
                errs.Add(FieldError.Required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
            }
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        FieldChecks.Immutable(obj.Obj("spec")?["controller"], old.Obj("spec")?["controller"], "spec.controller", errs);
}
