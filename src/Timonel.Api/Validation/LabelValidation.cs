using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Validation;

/// <summary>Labels and label selectors: syntax (upstream's ValidateLabels / ValidateLabelSelector) and matching.</summary>
public static class LabelValidation
{
    public static void ValidateLabels(JsonObject? labels, string path, List<FieldError> errs)
    {
        foreach (var (key, value) in labels.StringMap())
        {
            foreach (var msg in NameValidation.IsQualifiedName(key))
            {
                errs.Add(FieldError.Invalid(path, key, msg));
            }
            foreach (var msg in NameValidation.IsValidLabelValue(value))
            {
                errs.Add(FieldError.Invalid(path, value, msg));
            }
        }
    }

    /// <summary>A metav1.LabelSelector: matchLabels as labels, matchExpressions with a known operator.</summary>
    public static void ValidateSelector(JsonObject? selector, string path, List<FieldError> errs)
    {
        if (selector is null)
        {
            return;
        }
        ValidateLabels(selector.Obj("matchLabels"), $"{path}.matchLabels", errs);
        foreach (var (i, expr) in selector.Arr("matchExpressions").Objects())
        {
            var at = $"{path}.matchExpressions[{i}]";
            var op = expr.Str("operator") ?? "";
            var values = expr.Arr("values");
            switch (op)
            {
                case "In" or "NotIn":
                    if (values is null || values.Count == 0)
                    {
                        errs.Add(FieldError.Required($"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                    break;
                case "Exists" or "DoesNotExist":
                    if (values is { Count: > 0 })
                    {
                        errs.Add(FieldError.Forbidden($"{at}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                    break;
                default:
                    errs.Add(FieldError.Invalid($"{at}.operator", op, "not a valid selector operator"));
                    break;
            }
            var key = expr.Str("key") ?? "";
            foreach (var msg in NameValidation.IsQualifiedName(key))
            {
                errs.Add(FieldError.Invalid($"{at}.key", key, msg));
            }
        }
    }

    public static bool IsEmptySelector(JsonObject? selector) =>
        (selector.Obj("matchLabels")?.Count ?? 0) + (selector.Arr("matchExpressions")?.Count ?? 0) == 0;

    /// <summary>Whether a metav1.LabelSelector selects the given labels (an empty selector selects everything).</summary>
    public static bool Matches(JsonObject? selector, JsonObject? labels)
    {
        var set = labels.StringMap().ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, value) in selector.Obj("matchLabels").StringMap())
        {
            if (!set.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }
        foreach (var (_, expr) in selector.Arr("matchExpressions").Objects())
        {
            var key = expr.Str("key") ?? "";
            var values = expr.Arr("values").Strings().Select(v => v.Value).ToHashSet();
            var has = set.TryGetValue(key, out var actual);
            var ok = expr.Str("operator") switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
