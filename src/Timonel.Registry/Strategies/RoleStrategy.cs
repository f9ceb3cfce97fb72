using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>Roles and ClusterRoles (rbac/v1): path-segment names; every rule has verbs and either resources or non-resource URLs.</summary>
public sealed class RoleStrategy(bool namespaced) : ResourceStrategy(namespaced, hasStatus: false)
{
    protected override NameRule NameRule => NameRules.PathSegment;

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        // An aggregated ClusterRole's rules are written by the controller, from the selectors.
        if (!Namespaced && obj.Obj("aggregationRule") is { } aggregation)
        {
            foreach (var (i, selector) in aggregation.Arr("clusterRoleSelectors").Objects())
            {
                LabelValidation.ValidateSelector(selector, $"aggregationRule.clusterRoleSelectors[{i}]", errs);
            }
        }
        foreach (var (i, rule) in obj.Arr("rules").Objects())
        {
            ValidateRule(rule, $"rules[{i}]", Namespaced, errs);
        }
    }

    private static void ValidateRule(JsonObject rule, string at, bool namespaced, List<FieldError> errs)
    {
        if ((rule.Arr("verbs")?.Count ?? 0) == 0)
        {
            errs.Add(FieldError.Required($"{at}.verbs", "verbs must contain at least one value"));
        }
        var urls = rule.Arr("nonResourceURLs");
        if (urls is { Count: > 0 })
        {
            var display = string.Join(",", urls.Strings().Select(u => u.Value));
            if (namespaced)
            {
                errs.Add(FieldError.Invalid($"{at}.nonResourceURLs", display, "namespaced rules cannot apply to non-resource URLs"));
            }
            if (rule.Arr("apiGroups") is { Count: > 0 } || rule.Arr("resources") is { Count: > 0 } || rule.Arr("resourceNames") is { Count: > 0 })
            {
                errs.Add(FieldError.Invalid($"{at}.nonResourceURLs", display, "rules cannot apply to both regular resources and non-resource URLs"));
            }
            return;
        }
        if ((rule.Arr("apiGroups")?.Count ?? 0) == 0)
        {
            errs.Add(FieldError.Required($"{at}.apiGroups", "resource rules must supply at least one api group"));
        }
        if ((rule.Arr("resources")?.Count ?? 0) == 0)
        {
            errs.Add(FieldError.Required($"{at}.resources", "resource rules must supply at least one resource"));
        }
    }
}
