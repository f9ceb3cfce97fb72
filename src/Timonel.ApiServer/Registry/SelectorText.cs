using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry;

/// <summary>Renders a metav1.LabelSelector as the query-string form (Scale.status.selector uses it).</summary>
internal static class SelectorText
{
    public static string Format(JsonNode? selector)
    {
        var parts = new List<string>();
        if (selector?["matchLabels"] is JsonObject labels)
        {
            parts.AddRange(labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={Meta.Str(l.Value)}"));
        }

        if (selector?["matchExpressions"] is JsonArray exprs)
        {
            foreach (var e in exprs)
            {
                var key = Meta.Str(e?["key"]);
                var values = (e?["values"] as JsonArray)?.Select(Meta.Str).OrderBy(v => v, StringComparer.Ordinal).ToList() ?? [];
                parts.Add(Meta.Str(e?["operator"]) switch
                {
                    "In" => $"{key} in ({string.Join(",", values)})",
                    "NotIn" => $"{key} notin ({string.Join(",", values)})",
                    "Exists" => key ?? "",
                    "DoesNotExist" => $"!{key}",
                    _ => "",
                });
            }
        }

        return string.Join(",", parts.Where(p => p.Length > 0));
    }
}
