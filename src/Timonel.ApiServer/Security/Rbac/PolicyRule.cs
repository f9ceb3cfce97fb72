using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// One rbac.authorization.k8s.io/v1 PolicyRule: verbs on resources of API groups (optionally
/// only some names), or verbs on non-resource URLs. "*" is any.
/// </summary>
public sealed record PolicyRule(
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> ResourceNames,
    IReadOnlyList<string> NonResourceUrls)
{
    public const string All = "*";

    /// <summary>Everything on every resource and every URL: what system:masters holds.</summary>
    public static IReadOnlyList<PolicyRule> FullAuthority { get; } =
    [
        new([All], [All], [All], [], []),
        new([All], [], [], [], [All]),
    ];

    /// <summary>
    /// The rules of a Role or ClusterRole object. Stored objects were validated, but the reader
    /// never throws: an entry that is not a rule object, or a value that is not a string, is left
    /// out (a rule missing a part grants nothing through that part).
    /// </summary>
    public static IReadOnlyList<PolicyRule> ListFrom(JsonNode? rules)
    {
        if (rules is not JsonArray array)
        {
            return [];
        }

        var list = new List<PolicyRule>(array.Count);
        foreach (var item in array)
        {
            if (item is JsonObject rule)
            {
                list.Add(new PolicyRule(Strings(rule["verbs"]), Strings(rule["apiGroups"]), Strings(rule["resources"]), Strings(rule["resourceNames"]), Strings(rule["nonResourceURLs"])));
            }
        }

        return list;
    }

    /// <summary>
    /// Upstream's rbacv1helpers.CompactString, the form escalation errors list missing rules in:
    /// {APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}, empty parts left out.
    /// </summary>
    public string CompactString()
    {
        var parts = new List<string>(5);
        Add(parts, "APIGroups", ApiGroups);
        Add(parts, "Resources", Resources);
        Add(parts, "NonResourceURLs", NonResourceUrls);
        Add(parts, "ResourceNames", ResourceNames);
        Add(parts, "Verbs", Verbs);
        return "{" + string.Join(", ", parts) + "}";
    }

    /// <summary>The rule as rbac/v1 stores it: fields in the type's order, empty lists left out.</summary>
    public JsonObject ToJson()
    {
        var rule = new JsonObject { ["verbs"] = Array(Verbs) };
        AddList(rule, "apiGroups", ApiGroups);
        AddList(rule, "resources", Resources);
        AddList(rule, "resourceNames", ResourceNames);
        AddList(rule, "nonResourceURLs", NonResourceUrls);
        return rule;
    }

    /// <summary>Go's %q of a []string: ["a" "b"].</summary>
    public static string GoQuotedList(IEnumerable<string> values) => "[" + string.Join(' ', values.Select(GoQuote)) + "]";

    /// <summary>Go's %q of a string (strconv.Quote) for the printable ASCII and common escapes.</summary>
    public static string GoQuote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                case '\r': builder.Append("\\r"); break;
                case < 0x20 or 0x7f: builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"); break;
                default: builder.Append(rune.ToString()); break;
            }
        }

        return builder.Append('"').ToString();
    }

    private static void AddList(JsonObject rule, string field, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            rule[field] = Array(values);
        }
    }

    private static JsonArray Array(IReadOnlyList<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    private static void Add(List<string> parts, string name, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            parts.Add($"{name}:{GoQuotedList(values)}");
        }
    }

    private static IReadOnlyList<string> Strings(JsonNode? node)
    {
        if (node is not JsonArray array || array.Count == 0)
        {
            return [];
        }

        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is JsonValue v && v.TryGetValue<string>(out var s))
            {
                list.Add(s);
            }
        }

        return list;
    }
}
