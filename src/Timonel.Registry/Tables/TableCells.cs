using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Validation;

namespace Timonel.Registry.Tables;

/// <summary>
/// Defensive readers of wire JSON and the cell formats upstream's printers share. A field that is
/// missing or of the wrong JSON type reads as absent: a half-filled object must still print.
/// </summary>
internal static class TableCells
{
    /// <summary>The node at a path of object keys, or null when any step is missing or not an object.</summary>
    public static JsonNode? At(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var key in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? Str(JsonNode? node) => JsonAccess.AsString(node);

    public static string Str(JsonNode? node, string fallback) => Str(node) is { Length: > 0 } s ? s : fallback;

    public static long? Long(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        return double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (long)d : null;
    }

    public static bool? Bool(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    public static IEnumerable<JsonObject> Objects(JsonNode? node) =>
        node is JsonArray a ? a.OfType<JsonObject>() : [];

    public static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(Str).OfType<string>() : [];

    public static int Count(JsonNode? node) => node switch
    {
        JsonArray a => a.Count,
        JsonObject o => o.Count,
        _ => 0,
    };

    /// <summary>A metav1.Time or MicroTime; null when absent or unparsable (Go's zero time).</summary>
    public static DateTimeOffset? Time(JsonNode? node) =>
        Str(node) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static string Name(JsonObject obj) => Str(At(obj, "metadata", "name")) ?? "";

    public static string Age(JsonObject obj, DateTimeOffset now) =>
        HumanDuration.Since(Time(At(obj, "metadata", "creationTimestamp")), now);

    public static bool IsDeleting(JsonObject obj) => Str(At(obj, "metadata", "deletionTimestamp")) is not null;

    /// <summary>A map's "key=value" pairs sorted by key, comma-joined; "&lt;none&gt;" when empty (labels.FormatLabels).</summary>
    public static string FormatLabels(JsonNode? map)
    {
        var pairs = StringMap(map).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToList();
        return pairs.Count == 0 ? "<none>" : string.Join(",", pairs);
    }

    public static IEnumerable<KeyValuePair<string, string>> StringMap(JsonNode? map) =>
        map is JsonObject o
            ? o.Select(p => new KeyValuePair<string, string>(p.Key, Str(p.Value) ?? ""))
            : [];

    /// <summary>Container names and images of a pod spec, comma-joined (layoutContainerCells).</summary>
    public static (string Names, string Images) Containers(JsonNode? podSpec)
    {
        var containers = Objects(At(podSpec, "containers")).ToList();
        return (string.Join(",", containers.Select(c => Str(c["name"]) ?? "")),
                string.Join(",", containers.Select(c => Str(c["image"]) ?? "")));
    }

    /// <summary>A resource quantity in canonical form, as Go's Quantity.String() prints it.</summary>
    public static string Quantity(JsonNode? node, string missing)
    {
        var raw = Str(node) ?? Long(node)?.ToString(CultureInfo.InvariantCulture);
        if (raw is null)
        {
            return missing;
        }

        try
        {
            return new ResourceQuantity(raw).ToString();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return raw;
        }
    }

    /// <summary>An int-or-string field as Go's IntOrString.String() prints it.</summary>
    public static string? IntOrString(JsonNode? node) =>
        Str(node) ?? Long(node)?.ToString(CultureInfo.InvariantCulture);

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"True"/"False", or "&lt;unset&gt;" when absent (printBoolPtr).</summary>
    public static string BoolText(JsonNode? node) => Bool(node) switch
    {
        true => "True",
        false => "False",
        null => "<unset>",
    };

    /// <summary>
    /// A metav1.LabelSelector as labels.Selector.String() prints it: requirements sorted by key,
    /// set values sorted; null when an operator is unknown (the selector does not parse).
    /// </summary>
    public static string? SelectorString(JsonNode? selector)
    {
        var requirements = new List<(string Key, string Text)>();
        foreach (var (key, value) in StringMap(At(selector, "matchLabels")))
        {
            requirements.Add((key, $"{key}={value}"));
        }

        foreach (var expression in Objects(At(selector, "matchExpressions")))
        {
            var key = Str(expression["key"]) ?? "";
            var values = Strings(expression["values"]).Order(StringComparer.Ordinal);
            string? text = Str(expression["operator"]) switch
            {
                "In" => $"{key} in ({string.Join(",", values)})",
                "NotIn" => $"{key} notin ({string.Join(",", values)})",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                _ => null,
            };
            if (text is null)
            {
                return null;
            }

            requirements.Add((key, text));
        }

        return string.Join(",", requirements.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    /// <summary>metav1.FormatLabelSelector: "&lt;none&gt;" for an empty selector, "&lt;error&gt;" for a bad one.</summary>
    public static string FormatSelector(JsonNode? selector) => SelectorString(selector) switch
    {
        null => "<error>",
        "" => "<none>",
        var s => s,
    };

    /// <summary>Joins at most <paramref name="max"/> items, then " + N more..." (listWithMoreString).</summary>
    public static string ListWithMore(IReadOnlyList<string> items, int max, string empty)
    {
        if (items.Count == 0)
        {
            return empty;
        }

        var shown = string.Join(",", items.Take(max));
        return items.Count > max ? $"{shown} + {items.Count - max} more..." : shown;
    }

    public static string JoinHostPort(string host, long port)
    {
        var sb = new StringBuilder();
        sb.Append(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host);
        sb.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }
}
