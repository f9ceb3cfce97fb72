using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources.Cel;

/// <summary>
/// A conservative static cost estimate of a rule (cel-go's estimator is not part of our engine yet):
/// the rule's size plus, for each comprehension (all, exists, exists_one, map, filter) over a list
/// or map reached from `self` or a comprehension variable, its schema's maxItems/maxProperties (or,
/// unbounded, as many elements as fit a 3 MiB request), multiplied through nesting; the whole times
/// how many times the rule can run (the sizes of the lists and maps above its node). The limits and
/// the messages are upstream's. docs/limits.md lists the differences.
/// </summary>
internal static partial class CrdRuleCost
{
    /// <summary>apiextensions' StaticEstimatedCostLimit: per rule (times its cardinality).</summary>
    public const ulong RuleLimit = 10_000_000;

    /// <summary>apiextensions' StaticEstimatedCRDCostLimit: all rules of one version's schema.</summary>
    public const ulong CrdLimit = 100_000_000;

    /// <summary>Upstream's maxRequestSizeBytes, which bounds lists and maps without maxItems/maxProperties.</summary>
    private const ulong MaxRequestBytes = 3 * 1024 * 1024;

    // Per element of a comprehension: the body's work (cel-go charges about this for a small predicate).
    private const ulong PerElement = 10;

    public static ulong Add(ulong a, ulong b) => ulong.MaxValue - a < b ? ulong.MaxValue : a + b;

    public static ulong Multiply(ulong a, ulong b) => a == 0 || b == 0 ? 0 : ulong.MaxValue / a < b ? ulong.MaxValue : a * b;

    /// <summary>The most elements of the list or map <paramref name="schema"/> (declared, or what fits a request).</summary>
    public static ulong MaxSize(JsonObject schema)
    {
        if (Long(schema, "maxItems") is { } items)
        {
            return (ulong)Math.Max(0, items);
        }

        if (Long(schema, "maxProperties") is { } props)
        {
            return (ulong)Math.Max(0, props);
        }

        var element = schema["items"] as JsonObject ?? schema["additionalProperties"] as JsonObject;
        // The smallest serialized element plus its comma (a map entry also needs `"":`).
        var min = (element?.Str("type")) switch
        {
            "string" or "object" or "array" => 2UL,
            "boolean" => 4UL,
            _ => 1UL,
        } + 1 + (schema["additionalProperties"] is JsonObject ? 3UL : 0UL);
        return MaxRequestBytes / min;
    }

    public static ulong Estimate(string expression, JsonObject schema)
    {
        var cost = 1 + (ulong)expression.Length / 4;
        var scopes = new List<(int Start, int End, ulong Factor, string Variable, JsonObject? Element)>();
        foreach (Match m in Comprehension().Matches(expression))
        {
            var chain = m.Groups["chain"].Value.Split('.');
            var open = m.Index + m.Length - m.Groups["var"].Length - 1;
            while (open > 0 && expression[open] != '(')
            {
                open--;
            }

            var enclosing = scopes.Where(s => s.Start < m.Index && m.Index < s.End).ToList();
            var root = chain[0] == "self" ? schema : enclosing.LastOrDefault(s => s.Variable == chain[0]).Element;
            var target = Resolve(root, chain.Skip(1));
            var size = target is null ? 1UL : MaxSize(target);
            var factor = enclosing.Aggregate(size, (f, s) => Multiply(f, s.Factor));
            cost = Add(cost, Multiply(factor, PerElement));
            scopes.Add((open, Close(expression, open), factor, m.Groups["var"].Value, target?["items"] as JsonObject ?? target?["additionalProperties"] as JsonObject));
        }

        return cost;
    }

    /// <summary>Upstream's getCostErrorMessage.</summary>
    public static string ErrorMessage(string costName, ulong cost, ulong limit)
    {
        var exceed = (double)cost / limit;
        var factor = exceed > 100.0 ? "more than 100x"
            : exceed < 1.5 ? exceed.ToString("F6", CultureInfo.InvariantCulture) + "x"
            : exceed.ToString("F1", CultureInfo.InvariantCulture) + "x";
        return $"{costName} exceeds budget by factor of {factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";
    }

    private static JsonObject? Resolve(JsonObject? schema, IEnumerable<string> fields)
    {
        foreach (var f in fields)
        {
            schema = schema?["properties"]?[f] as JsonObject;
        }

        return schema;
    }

    private static int Close(string s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
            if (depth == 0)
            {
                return i;
            }
        }

        return s.Length;
    }

    private static long? Long(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    [GeneratedRegex(@"(?<chain>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(?:all|exists_one|exists|map|filter)\(\s*(?<var>[A-Za-z_]\w*)")]
    private static partial Regex Comprehension();
}
