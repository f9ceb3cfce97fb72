using System.Text.Json.Nodes;
using Timonel.Cel;

namespace Timonel.Registry.CustomResources.Cel;

/// <summary>One compiled x-kubernetes-validations rule of a schema node.</summary>
internal sealed record CrdRule(
    string Rule,
    string? Message,
    CelProgram Program,
    CelProgram? MessageExpression,
    string? Reason,
    IReadOnlyList<string> FieldPath,
    bool UsesOldSelf)
{
    /// <summary>Upstream's ruleErrorString: the message when set, else the rule, trimmed.</summary>
    public string ErrorString => Message is { Length: > 0 } m ? m.Trim() : Rule.Trim();

    /// <summary>Upstream's ruleMessageOrDefault.</summary>
    public string MessageOrDefault => Message is { Length: > 0 } m ? m.Trim() : "failed rule: " + Rule.Trim();
}

/// <summary>A schema node with the compiled rules of itself and of the nodes under it (only branches that hold rules).</summary>
internal sealed class CrdRuleNode(string type, IReadOnlyList<CrdRule> rules)
{
    /// <summary>The schema's type ("object", "array", ...), upstream's bad value in rule errors.</summary>
    public string Type { get; } = type;

    public IReadOnlyList<CrdRule> Rules { get; } = rules;

    public Dictionary<string, CrdRuleNode> Properties { get; } = new(StringComparer.Ordinal);

    public CrdRuleNode? Values { get; set; }

    public CrdRuleNode? Items { get; set; }

    /// <summary>x-kubernetes-list-map-keys when the list is a map list (its items correlate by key); else null.</summary>
    public IReadOnlyList<string>? ListMapKeys { get; set; }

    /// <summary>Maps correlate old and new values by key unless x-kubernetes-map-type is atomic.</summary>
    public bool MapCorrelatable { get; set; } = true;

    public bool IsEmpty => Rules.Count == 0 && Properties.Count == 0 && Values is null && Items is null;

    public static JsonNode? Property(JsonNode? value, string name) => value is JsonObject o ? o[name] : null;
}
