using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Cel;
using Timonel.Cel.Checking;
using Timonel.Cel.Values;

namespace Timonel.Registry.CustomResources.Cel;

/// <summary>
/// Compiles a CRD version's x-kubernetes-validations rules, each against `self` typed from its
/// schema node (and `oldSelf` for transition rules), as apiextensions does at CRD create/update;
/// reports upstream's errors (rule checks, compile errors, oldSelf where values cannot be
/// correlated, estimated cost per rule and per schema) and gives the compiled tree that the
/// <see cref="CrdRuleValidator"/> evaluates on every write.
/// </summary>
internal static class CrdRuleCompiler
{
    private static readonly string[] Reasons = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];

    /// <summary>CRD validation: adds the rule errors of <paramref name="schema"/> (an openAPIV3Schema at <paramref name="path"/>).</summary>
    public static void Validate(JsonObject schema, string path, List<FieldError> errs)
    {
        var costs = new List<(string Path, ulong Cost)>();
        Walk(schema, path, isResource: true, cardinality: 1, uncorrelatable: null, errs, costs);
        var total = costs.Aggregate(0UL, (sum, c) => CrdRuleCost.Add(sum, c.Cost));
        if (total > CrdRuleCost.CrdLimit)
        {
            foreach (var (expensive, _) in costs.OrderByDescending(c => c.Cost).Take(4))
            {
                errs.Add(FieldError.Forbidden(expensive, "contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema"));
            }

            errs.Add(FieldError.Forbidden(path, CrdRuleCost.ErrorMessage("x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema", total, CrdRuleCost.CrdLimit)));
        }
    }

    /// <summary>The compiled rules of an accepted schema (rules that do not compile are left out: the CRD was validated at write).</summary>
    public static CrdRuleNode? Compile(JsonObject? schema)
    {
        if (schema is null)
        {
            return null;
        }

        var node = Walk(schema, "", isResource: true, cardinality: 1, uncorrelatable: null, errs: null, costs: null);
        return node is { IsEmpty: false } ? node : null;
    }

    private static CrdRuleNode? Walk(JsonObject schema, string path, bool isResource, ulong cardinality, string? uncorrelatable, List<FieldError>? errs, List<(string, ulong)>? costs)
    {
        var type = schema.Str("type") ?? "";
        var mapAtomic = schema.Str("x-kubernetes-map-type") == "atomic";
        var childUncorrelatable = uncorrelatable ?? (mapAtomic ? path : null);
        var before = errs?.Count ?? 0;
        var children = new Dictionary<string, CrdRuleNode>(StringComparer.Ordinal);
        CrdRuleNode? values = null;
        CrdRuleNode? items = null;
        if (schema["properties"] is JsonObject props)
        {
            foreach (var (name, prop) in props)
            {
                if (prop is JsonObject p && Walk(p, $"{path}.properties[{name}]", p.Bool("x-kubernetes-embedded-resource") == true, cardinality, childUncorrelatable, errs, costs) is { } child)
                {
                    children[name] = child;
                }
            }
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            values = Walk(additional, $"{path}.additionalProperties", additional.Bool("x-kubernetes-embedded-resource") == true,
                CrdRuleCost.Multiply(cardinality, CrdRuleCost.MaxSize(schema)), childUncorrelatable, errs, costs);
        }

        var listType = schema.Str("x-kubernetes-list-type");
        if (schema["items"] is JsonObject itemSchema)
        {
            items = Walk(itemSchema, $"{path}.items", itemSchema.Bool("x-kubernetes-embedded-resource") == true,
                CrdRuleCost.Multiply(cardinality, CrdRuleCost.MaxSize(schema)), uncorrelatable ?? (listType == "map" ? null : path), errs, costs);
        }

        var rules = new List<CrdRule>();
        if (schema["x-kubernetes-validations"] is JsonArray validations && (errs is null || errs.Count == before))
        {
            var selfType = CelSchemaTypes.FromSchema(schema, "self", isResource);
            foreach (var (i, v) in validations.Objects())
            {
                if (CompileRule(v, schema, selfType, $"{path}.x-kubernetes-validations[{i}]", cardinality, uncorrelatable, errs, costs) is { } rule)
                {
                    rules.Add(rule);
                }
            }
        }

        var node = new CrdRuleNode(type, rules)
        {
            Values = values,
            Items = items,
            ListMapKeys = listType == "map" ? schema.Arr("x-kubernetes-list-map-keys").Strings().Select(s => s.Value).ToList() : null,
            MapCorrelatable = !mapAtomic,
        };
        foreach (var (k, c) in children)
        {
            node.Properties[k] = c;
        }

        return node.IsEmpty ? null : node;
    }

    private static CrdRule? CompileRule(JsonObject v, JsonObject schema, CelType? selfType, string path, ulong cardinality, string? uncorrelatable, List<FieldError>? errs, List<(string, ulong)>? costs)
    {
        var rule = v.Str("rule") ?? "";
        var message = v.Str("message");
        var messageExpression = v.Str("messageExpression");
        var reason = v.Str("reason");
        var fieldPath = v.Str("fieldPath");
        var errCount = errs?.Count ?? 0;
        if (rule.Trim().Length == 0)
        {
            errs?.Add(FieldError.Required($"{path}.rule", "rule is not specified"));
        }
        else if (message is { Length: > 0 } && message.Trim().Length == 0)
        {
            errs?.Add(FieldError.Invalid($"{path}.message", message, "message must be non-empty if specified"));
        }
        else if (HasNewlines(message?.Trim()))
        {
            errs?.Add(FieldError.Invalid($"{path}.message", message, "message must not contain line breaks"));
        }
        else if (HasNewlines(rule.Trim()) && (message ?? "").Trim().Length == 0)
        {
            errs?.Add(FieldError.Required($"{path}.message", "message must be specified if rule contains line breaks"));
        }

        if (messageExpression is { Length: > 0 } && messageExpression.Trim().Length == 0)
        {
            errs?.Add(FieldError.Required($"{path}.messageExpression", "messageExpression must be non-empty if specified"));
        }

        if (reason is not null && !Reasons.Contains(reason, StringComparer.Ordinal))
        {
            errs?.Add(FieldError.NotSupported($"{path}.reason", reason, Reasons));
        }

        IReadOnlyList<string> fieldSegments = [];
        if (fieldPath is { Length: > 0 })
        {
            if (fieldPath.Trim().Length == 0)
            {
                errs?.Add(FieldError.Invalid($"{path}.fieldPath", fieldPath, "fieldPath must be non-empty if specified"));
            }
            else if (HasNewlines(fieldPath))
            {
                errs?.Add(FieldError.Invalid($"{path}.fieldPath", fieldPath, "fieldPath must not contain line breaks"));
            }
            else if (CrdFieldPath.Resolve(fieldPath, schema) is { } segments)
            {
                fieldSegments = segments;
            }
            else
            {
                errs?.Add(FieldError.Invalid($"{path}.fieldPath", fieldPath, "fieldPath must be a valid path"));
            }
        }

        if (errs is not null && errs.Count != errCount || selfType is null || rule.Trim().Length == 0)
        {
            return null;
        }

        var env = CrdCelLibrary.Environment().WithVariable("self", selfType);
        var compiled = env.Compile(rule);
        var usesOldSelf = false;
        if (compiled.Program is null && compiled.ErrorText.Contains("undeclared reference to 'oldSelf'", StringComparison.Ordinal))
        {
            // A transition rule: compile again with oldSelf declared (of the same type).
            env = env.WithVariable("oldSelf", selfType);
            compiled = env.Compile(rule);
            usesOldSelf = true;
        }

        var cost = CrdRuleCost.Multiply(CrdRuleCost.Estimate(rule, schema), cardinality);
        if (cost > CrdRuleCost.RuleLimit)
        {
            errs?.Add(FieldError.Forbidden($"{path}.rule", CrdRuleCost.ErrorMessage("estimated rule cost", cost, CrdRuleCost.RuleLimit)));
        }

        costs?.Add(($"{path}.rule", cost));
        var ok = true;
        if (compiled.Program is null)
        {
            errs?.Add(new FieldError(FieldErrorType.Invalid, $"{path}.rule", "compilation failed: " + compiled.ErrorText, GoRule(v), QuoteValue: false));
            ok = false;
        }
        else if (compiled.OutputType != CelType.Bool && compiled.OutputType != CelType.Dyn)
        {
            errs?.Add(new FieldError(FieldErrorType.Invalid, $"{path}.rule", "cel expression must evaluate to a bool", GoRule(v), QuoteValue: false));
            ok = false;
        }

        CelProgram? messageProgram = null;
        if (messageExpression is { Length: > 0 } && messageExpression.Trim().Length > 0)
        {
            var m = env.Compile(messageExpression);
            if (m.Program is null)
            {
                errs?.Add(new FieldError(FieldErrorType.Invalid, $"{path}.messageExpression", "messageExpression compilation failed: " + m.ErrorText, GoRule(v), QuoteValue: false));
                ok = false;
            }
            else if (m.OutputType != CelType.String)
            {
                errs?.Add(new FieldError(FieldErrorType.Invalid, $"{path}.messageExpression", "messageExpression must evaluate to a string", GoRule(v), QuoteValue: false));
                ok = false;
            }
            else
            {
                messageProgram = m.Program;
                var messageCost = CrdRuleCost.Multiply(CrdRuleCost.Estimate(messageExpression, schema), cardinality);
                if (messageCost > CrdRuleCost.RuleLimit)
                {
                    errs?.Add(FieldError.Forbidden($"{path}.messageExpression", CrdRuleCost.ErrorMessage("estimated messageExpression cost", messageCost, CrdRuleCost.RuleLimit)));
                }

                costs?.Add(($"{path}.messageExpression", messageCost));
            }
        }

        if (usesOldSelf && uncorrelatable is not null && compiled.Program is not null)
        {
            errs?.Add(FieldError.Invalid($"{path}.rule", rule, $"oldSelf cannot be used on the uncorrelatable portion of the schema within {uncorrelatable.TrimStart('.')}"));
            ok = false;
        }

        return ok ? new CrdRule(rule, message, compiled.Program!, messageProgram, reason, fieldSegments, usesOldSelf) : null;
    }

    private static bool HasNewlines(string? s) => s is not null && s.AsSpan().IndexOfAny('\n', '\r') >= 0;

    // Upstream prints the rule as Go's %#v of apiextensions.ValidationRule (the bad value of compile errors).
    private static string GoRule(JsonObject v)
    {
        var reason = v.Str("reason") is { } r ? $"(*apiextensions.FieldValueErrorReason)({GoQuote(r)})" : "(*apiextensions.FieldValueErrorReason)(nil)";
        var optional = v.Bool("optionalOldSelf") is { } o ? $"(*bool)({(o ? "true" : "false")})" : "(*bool)(nil)";
        return $"apiextensions.ValidationRule{{Rule:{GoQuote(v.Str("rule") ?? "")}, Message:{GoQuote(v.Str("message") ?? "")}, MessageExpression:{GoQuote(v.Str("messageExpression") ?? "")}, Reason:{reason}, FieldPath:{GoQuote(v.Str("fieldPath") ?? "")}, OptionalOldSelf:{optional}}}";
    }

    private static string GoQuote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }
}
