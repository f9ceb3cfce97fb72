using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Cel;
using Timonel.Cel.Values;

namespace Timonel.Registry.CustomResources.Cel;

/// <summary>
/// Adds a CRD version's x-kubernetes-validations rules to its schema behaviour: pruning and
/// defaulting stay the inner schema's; validation is the inner schema's errors, then every rule
/// evaluated at its node for each value present (every list element and map value), with oldSelf
/// on update where the old value correlates (same property, map key, or list-map keys), and
/// upstream's ratcheting (an unchanged value keeps passing). Rules were compiled once, with the
/// served definition; evaluation spends at most upstream's per-call and per-request cost budgets.
/// </summary>
public sealed class CrdRuleValidator : ICustomResourceSchema
{
    /// <summary>celconfig.PerCallLimit: one rule evaluation.</summary>
    public const long PerCallLimit = 1_000_000;

    /// <summary>celconfig.RuntimeCELCostBudget: all rules of one write.</summary>
    public const long RequestBudget = 10_000_000;

    private readonly ICustomResourceSchema _inner;
    private readonly CrdRuleNode _root;

    // The object arrives defaulted: the strategy applies the schema's defaults before it validates, as upstream.
    private CrdRuleValidator(ICustomResourceSchema inner, CrdRuleNode root)
    {
        _inner = inner;
        _root = root;
    }

    /// <summary><paramref name="inner"/> with the rules of <paramref name="openApiV3Schema"/> added (itself when there are none).</summary>
    public static ICustomResourceSchema Wrap(ICustomResourceSchema inner, JsonObject? openApiV3Schema) =>
        CrdRuleCompiler.Compile(openApiV3Schema) is { } root ? new CrdRuleValidator(inner, root) : inner;

    /// <summary>CRD validation: the rule errors of a version's openAPIV3Schema at <paramref name="path"/>.</summary>
    public static void ValidateSchema(JsonObject schema, string path, List<FieldError> errs) => CrdRuleCompiler.Validate(schema, path, errs);

    public IReadOnlyList<string> Prune(JsonObject obj) => _inner.Prune(obj);

    public void ApplyDefaults(JsonObject obj) => _inner.ApplyDefaults(obj);

    public IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var errs = new List<FieldError>(_inner.Validate(obj, old));
        // As upstream: rules are not run on an object whose values do not fit their types.
        if (errs.Any(e => e.Type == FieldErrorType.NotSupported))
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, "<nil>", "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation", "null", QuoteValue: false));
            return errs;
        }

        var budget = RequestBudget;
        Walk(_root, obj, old, "", errs, ref budget);
        return errs;
    }

    // False once the request's budget is spent (then nothing more runs).
    private static bool Walk(CrdRuleNode node, JsonNode? value, JsonNode? old, string path, List<FieldError> errs, ref long budget)
    {
        if (value is null)
        {
            return true;
        }

        // Ratcheting: a value equal to its old value is not validated again.
        if (old is not null && JsonNode.DeepEquals(value, old))
        {
            return true;
        }

        foreach (var rule in node.Rules)
        {
            if (rule.UsesOldSelf && old is null)
            {
                continue;
            }

            if (!Evaluate(node, rule, value, old, path, errs, ref budget))
            {
                return false;
            }
        }

        foreach (var (name, child) in node.Properties)
        {
            if (value is JsonObject o && o[name] is { } v
                && !Walk(child, v, (old as JsonObject)?[name], Child(path, name), errs, ref budget))
            {
                return false;
            }
        }

        if (node.Values is { } values && value is JsonObject map)
        {
            foreach (var (key, v) in map)
            {
                var oldValue = node.MapCorrelatable ? (old as JsonObject)?[key] : null;
                if (!Walk(values, v, oldValue, $"{Display(path)}[{key}]", errs, ref budget))
                {
                    return false;
                }
            }
        }

        if (node.Items is { } items && value is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (!Walk(items, list[i], Correlate(node, list[i], old as JsonArray), $"{Display(path)}[{i}]", errs, ref budget))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool Evaluate(CrdRuleNode node, CrdRule rule, JsonNode value, JsonNode? old, string path, List<FieldError> errs, ref long budget)
    {
        var variables = new Dictionary<string, object?> { ["self"] = value };
        if (rule.UsesOldSelf)
        {
            variables["oldSelf"] = old;
        }

        var activation = new CelActivation(variables);
        var result = rule.Program.Evaluate(activation, Math.Min(PerCallLimit, budget), out var cost);
        budget -= cost;
        if (budget < 0)
        {
            errs.Add(FieldError.Invalid(Display(path), node.Type, "validation failed due to running out of cost budget, no further validation rules will be run"));
            return false;
        }

        if (result is CelError error)
        {
            var detail = error.Message.StartsWith("no such overload", StringComparison.Ordinal)
                ? $"'{error.Message}': call arguments did not match a supported operator, function or macro signature for rule: {rule.ErrorString}"
                : error.Message.StartsWith("operation cancelled: actual cost limit exceeded", StringComparison.Ordinal)
                    ? $"'{error.Message}': call cost exceeds limit for rule: {rule.ErrorString}"
                    : $"{error.Message} evaluating rule: {rule.ErrorString}";
            errs.Add(FieldError.Invalid(Display(path), node.Type, detail));
            return true;
        }

        if (result is CelBool { Value: true })
        {
            return true;
        }

        var at = rule.FieldPath.Aggregate(path, (p, s) => s.StartsWith('[') ? Display(p) + s : Child(p, s));
        var message = rule.MessageOrDefault;
        if (rule.MessageExpression is { } messageProgram)
        {
            var m = messageProgram.Evaluate(activation, Math.Min(PerCallLimit, budget), out var messageCost);
            budget -= messageCost;
            if (m is CelString { Value: var text } && text.Trim().Length > 0 && text.AsSpan().IndexOfAny('\n', '\r') < 0)
            {
                message = text;
            }
        }

        errs.Add(rule.Reason switch
        {
            "FieldValueForbidden" => FieldError.Forbidden(Display(at), message),
            "FieldValueRequired" => FieldError.Required(Display(at), message),
            "FieldValueDuplicate" => FieldError.Duplicate(Display(at), node.Type),
            _ => FieldError.Invalid(Display(at), node.Type, message),
        });
        return true;
    }

    // List items correlate only in map lists: the old item with the same key values.
    private static JsonNode? Correlate(CrdRuleNode node, JsonNode? item, JsonArray? old)
    {
        if (node.ListMapKeys is not { Count: > 0 } keys || old is null || item is not JsonObject o)
        {
            return null;
        }

        return old.OfType<JsonObject>().FirstOrDefault(x => keys.All(k => JsonNode.DeepEquals(x[k], o[k])));
    }

    private static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

    // Upstream's root path prints as "<nil>".
    private static string Display(string path) => path.Length == 0 ? "<nil>" : path;
}
