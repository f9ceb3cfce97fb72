using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Api.Selectors;

/// <summary>
/// The API-object form of a label selector, metav1.LabelSelector:
/// <c>{"matchLabels": {k: v}, "matchExpressions": [{"key", "operator": In|NotIn|Exists|DoesNotExist, "values"}]}</c>.
/// <see cref="Validate"/> lists every problem with its field path (for a 422, as upstream's
/// ValidateLabelSelector); <see cref="ToSelector"/> turns a selector into a <see cref="LabelSelector"/>.
/// </summary>
public static class MetaLabelSelector
{
    /// <summary>
    /// Every problem of the selector at <paramref name="fieldPath"/> (e.g. "spec.selector"), as
    /// upstream's ValidateLabelSelector reports them. A null selector has none. Whether a selector is
    /// required, or must be non-empty, is the caller's rule, not checked here.
    /// </summary>
    public static IReadOnlyList<FieldError> Validate(JsonObject? selector, string fieldPath)
    {
        var errors = new List<FieldError>();
        if (selector is null)
        {
            return errors;
        }

        var labelsPath = fieldPath + ".matchLabels";
        switch (selector["matchLabels"])
        {
            case null:
                break;
            case JsonObject labels:
                foreach (var (key, node) in labels)
                {
                    errors.AddRange(LabelSyntax.KeyErrors(key).Select(m => FieldError.Invalid(labelsPath, key, m)));
                    if (AsString(node) is { } value)
                    {
                        errors.AddRange(LabelSyntax.ValueErrors(value).Select(m => FieldError.Invalid(labelsPath, value, m)));
                    }
                    else
                    {
                        errors.Add(FieldError.Invalid($"{labelsPath}[{key}]", node?.ToJsonString(), "must be a string"));
                    }
                }

                break;
            default:
                errors.Add(FieldError.Invalid(labelsPath, selector["matchLabels"]!.ToJsonString(), "must be an object of strings"));
                break;
        }

        var expressionsPath = fieldPath + ".matchExpressions";
        switch (selector["matchExpressions"])
        {
            case null:
                break;
            case JsonArray expressions:
                for (var i = 0; i < expressions.Count; i++)
                {
                    var path = $"{expressionsPath}[{i}]";
                    if (expressions[i] is JsonObject expression)
                    {
                        ValidateExpression(expression, path, errors);
                    }
                    else
                    {
                        errors.Add(FieldError.Invalid(path, expressions[i]?.ToJsonString(), "must be an object"));
                    }
                }

                break;
            default:
                errors.Add(FieldError.Invalid(expressionsPath, selector["matchExpressions"]!.ToJsonString(), "must be a list"));
                break;
        }

        return errors;
    }

    /// <summary>
    /// Upstream's LabelSelectorAsSelector: null is <see cref="LabelSelector.Nothing"/>, a selector with
    /// no matchLabels and no matchExpressions is <see cref="LabelSelector.Everything"/>. Throws
    /// ApiException 400 with upstream's message for the first invalid term.
    /// </summary>
    public static LabelSelector ToSelector(JsonObject? selector)
    {
        if (selector is null)
        {
            return LabelSelector.Nothing;
        }

        var requirements = new List<LabelRequirement>();
        if (selector["matchLabels"] is { } labelsNode)
        {
            if (labelsNode is not JsonObject labels)
            {
                throw ApiException.BadRequest("matchLabels: must be an object of strings");
            }

            foreach (var (key, node) in labels)
            {
                var value = AsString(node) ?? throw ApiException.BadRequest($"matchLabels[{key}]: must be a string");
                requirements.Add(LabelRequirement.Create(key, SelectionOperator.Equals, [value]));
            }
        }

        if (selector["matchExpressions"] is { } expressionsNode)
        {
            if (expressionsNode is not JsonArray expressions)
            {
                throw ApiException.BadRequest("matchExpressions: must be a list");
            }

            foreach (var node in expressions)
            {
                if (node is not JsonObject expression)
                {
                    throw ApiException.BadRequest("matchExpressions: every entry must be an object");
                }

                var op = AsString(expression["operator"]) ?? "";
                var selection = Operator(op) ?? throw ApiException.BadRequest($"{GoText.Quote(op)} is not a valid label selector operator");
                var values = StringList(expression["values"]) ?? throw ApiException.BadRequest("values: must be a list of strings");
                requirements.Add(LabelRequirement.Create(AsString(expression["key"]) ?? "", selection, values));
            }
        }

        return LabelSelector.From(requirements);
    }

    /// <summary>
    /// <see cref="ToSelector(JsonObject?)"/> for the typed model, built directly (no JSON round trip),
    /// with the same results and messages. <paramref name="matchLabelValues"/> are further key=value
    /// requirements, not validated (as upstream's SelectorFromSet); a null selector stays
    /// <see cref="LabelSelector.Nothing"/> whatever they are.
    /// </summary>
    public static LabelSelector ToSelector(V1LabelSelector? selector, IEnumerable<KeyValuePair<string, string>>? matchLabelValues)
    {
        if (selector is null)
        {
            return LabelSelector.Nothing;
        }

        var requirements = new List<LabelRequirement>();
        if (selector.MatchLabels is { } labels)
        {
            foreach (var (key, value) in labels)
            {
                requirements.Add(LabelRequirement.Create(key, SelectionOperator.Equals, [value ?? throw ApiException.BadRequest($"matchLabels[{key}]: must be a string")]));
            }
        }

        if (selector.MatchExpressions is { } expressions)
        {
            foreach (var expression in expressions)
            {
                if (expression is null)
                {
                    throw ApiException.BadRequest("matchExpressions: every entry must be an object");
                }

                var op = expression.OperatorProperty ?? "";
                var selection = Operator(op) ?? throw ApiException.BadRequest($"{GoText.Quote(op)} is not a valid label selector operator");
                var values = expression.Values ?? [];
                if (values.Any(v => v is null))
                {
                    throw ApiException.BadRequest("values: must be a list of strings");
                }

                requirements.Add(LabelRequirement.Create(expression.Key ?? "", selection, values));
            }
        }

        if (matchLabelValues is not null)
        {
            foreach (var (key, value) in matchLabelValues)
            {
                requirements.Add(LabelRequirement.Unchecked(key, SelectionOperator.Equals, [value]));
            }
        }

        return LabelSelector.From(requirements);
    }

    private static void ValidateExpression(JsonObject expression, string path, List<FieldError> errors)
    {
        var op = AsString(expression["operator"]) ?? "";
        var values = StringList(expression["values"]);
        if (values is null)
        {
            errors.Add(FieldError.Invalid(path + ".values", expression["values"]?.ToJsonString(), "must be a list of strings"));
            values = [];
        }

        switch (Operator(op))
        {
            case SelectionOperator.In or SelectionOperator.NotIn:
                if (values.Count == 0)
                {
                    errors.Add(FieldError.Required(path + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                }

                break;
            case SelectionOperator.Exists or SelectionOperator.DoesNotExist:
                if (values.Count > 0)
                {
                    errors.Add(FieldError.Forbidden(path + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                }

                break;
            default:
                errors.Add(FieldError.Invalid(path + ".operator", op, "not a valid selector operator"));
                break;
        }

        var key = AsString(expression["key"]) ?? "";
        errors.AddRange(LabelSyntax.KeyErrors(key).Select(m => FieldError.Invalid(path + ".key", key, m)));
        for (var j = 0; j < values.Count; j++)
        {
            var value = values[j];
            errors.AddRange(LabelSyntax.ValueErrors(value).Select(m => FieldError.Invalid($"{path}.values[{j}]", value, m)));
        }
    }

    private static SelectionOperator? Operator(string op) => op switch
    {
        "In" => SelectionOperator.In,
        "NotIn" => SelectionOperator.NotIn,
        "Exists" => SelectionOperator.Exists,
        "DoesNotExist" => SelectionOperator.DoesNotExist,
        _ => null,
    };

    private static string? AsString(JsonNode? node) => JsonAccess.AsString(node);

    // Missing or null values are an empty list; anything but a list of strings is null.
    private static List<string>? StringList(JsonNode? node)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            return null;
        }

        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (AsString(item) is not { } s)
            {
                return null;
            }

            list.Add(s);
        }

        return list;
    }
}
