using System.Text.Json.Nodes;
using Timonel.Api.Serialization;

namespace Timonel.ApiServer.Audit;

/// <summary>
/// Reads --audit-policy-file: an audit.k8s.io/v1 Policy in YAML or JSON, checked as upstream's
/// policy validation does. Any problem is an <see cref="ArgumentException"/> naming the file and
/// the field, so the server stops at start instead of auditing something else than asked.
/// </summary>
public static class AuditPolicyFile
{
    private static readonly string[] Levels = ["None", "Metadata", "Request", "RequestResponse"];

    /// <exception cref="ArgumentException">The file cannot be read or is not a valid policy.</exception>
    public static AuditPolicy Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--audit-policy-file {path}: {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <exception cref="ArgumentException">The text is not a valid audit.k8s.io/v1 Policy.</exception>
    public static AuditPolicy Parse(string text, string path)
    {
        JsonNode? root;
        try
        {
            root = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : YamlToJson.Convert(text);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or Api.Errors.ApiException or FormatException)
        {
            throw Bad(path, $"not valid YAML or JSON: {e.Message}");
        }

        if (root is not JsonObject policy)
        {
            throw Bad(path, "expected an audit.k8s.io/v1 Policy object");
        }

        if ((string?)Str(policy, "apiVersion", path) != "audit.k8s.io/v1" || (string?)Str(policy, "kind", path) != "Policy")
        {
            throw Bad(path, $"apiVersion \"{Str(policy, "apiVersion", path)}\" kind \"{Str(policy, "kind", path)}\" is not a policy this server reads: use apiVersion: audit.k8s.io/v1, kind: Policy");
        }

        var omitStages = Stages(policy, "omitStages", "omitStages", path);
        var omitManagedFields = Bool(policy, "omitManagedFields", "omitManagedFields", path) ?? false;
        var rules = new List<AuditPolicyRule>();
        var ruleNodes = policy["rules"] switch
        {
            null => [],
            JsonArray array => array,
            _ => throw Bad(path, "rules: Invalid value: expected a list of rules"),
        };
        for (var i = 0; i < ruleNodes.Count; i++)
        {
            var at = $"rules[{i}]";
            if (ruleNodes[i] is not JsonObject rule)
            {
                throw Bad(path, $"{at}: Invalid value: expected an object");
            }

            rules.Add(Rule(rule, at, path));
        }

        return new AuditPolicy(rules, omitStages, omitManagedFields);
    }

    private static AuditPolicyRule Rule(JsonObject rule, string at, string path)
    {
        var levelText = Str(rule, "level", path) ?? "";
        if (levelText.Length == 0)
        {
            throw Bad(path, $"{at}.level: Required value");
        }

        if (!Levels.Contains(levelText, StringComparer.Ordinal))
        {
            throw Bad(path, $"{at}.level: Unsupported value: \"{levelText}\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
        }

        var resources = new List<AuditGroupResources>();
        if (rule["resources"] is JsonArray groups)
        {
            for (var i = 0; i < groups.Count; i++)
            {
                var gat = $"{at}.resources[{i}]";
                if (groups[i] is not JsonObject group)
                {
                    throw Bad(path, $"{gat}: Invalid value: expected an object");
                }

                var names = Strings(group, "resourceNames", $"{gat}.resourceNames", path);
                var plural = Strings(group, "resources", $"{gat}.resources", path);
                if (names.Count > 0 && plural.Count == 0)
                {
                    throw Bad(path, $"{gat}.resourceNames: Invalid value: [{string.Join(" ", names)}]: using resourceNames requires at least one resource");
                }

                resources.Add(new AuditGroupResources(Str(group, "group", path) ?? "", plural, names));
            }
        }
        else if (rule["resources"] is not null)
        {
            throw Bad(path, $"{at}.resources: Invalid value: expected a list");
        }

        var namespaces = Strings(rule, "namespaces", $"{at}.namespaces", path);
        var urls = Strings(rule, "nonResourceURLs", $"{at}.nonResourceURLs", path);
        if (urls.Count > 0 && (resources.Count > 0 || namespaces.Count > 0))
        {
            throw Bad(path, $"{at}.nonResourceURLs: Invalid value: [{string.Join(" ", urls)}]: rules cannot apply to both regular resources and non-resource URLs");
        }

        for (var i = 0; i < urls.Count; i++)
        {
            var url = urls[i];
            if (url == "*")
            {
                continue;
            }

            if (!url.StartsWith('/'))
            {
                throw Bad(path, $"{at}.nonResourceURLs[{i}]: Invalid value: \"{url}\": non-resource URL rules must begin with a '/' character");
            }

            var star = url.IndexOf('*', StringComparison.Ordinal);
            if (star >= 0 && star != url.Length - 1)
            {
                throw Bad(path, $"{at}.nonResourceURLs[{i}]: Invalid value: \"{url}\": non-resource URL wildcards '*' must be the final character of the rule");
            }
        }

        return new AuditPolicyRule(
            Enum.Parse<AuditLevel>(levelText),
            Strings(rule, "users", $"{at}.users", path),
            Strings(rule, "userGroups", $"{at}.userGroups", path),
            Strings(rule, "verbs", $"{at}.verbs", path),
            resources,
            namespaces,
            urls,
            Stages(rule, "omitStages", $"{at}.omitStages", path),
            Bool(rule, "omitManagedFields", $"{at}.omitManagedFields", path));
    }

    private static List<string> Stages(JsonObject obj, string key, string at, string path)
    {
        var stages = Strings(obj, key, at, path);
        for (var i = 0; i < stages.Count; i++)
        {
            if (!AuditStages.All.Contains(stages[i]))
            {
                throw Bad(path, $"{at}[{i}]: Unsupported value: \"{stages[i]}\": supported values: \"RequestReceived\", \"ResponseStarted\", \"ResponseComplete\", \"Panic\"");
            }
        }

        return stages;
    }

    private static List<string> Strings(JsonObject obj, string key, string at, string path)
    {
        switch (obj[key])
        {
            case null:
                return [];
            case JsonArray array:
                var values = new List<string>();
                foreach (var item in array)
                {
                    values.Add(item is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Bad(path, $"{at}: Invalid value: expected a list of strings"));
                }

                return values;
            default:
                throw Bad(path, $"{at}: Invalid value: expected a list of strings");
        }
    }

    private static string? Str(JsonObject obj, string key, string path) => obj[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw Bad(path, $"{key}: Invalid value: expected a string"),
    };

    private static bool? Bool(JsonObject obj, string key, string at, string path) => obj[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw Bad(path, $"{at}: Invalid value: expected true or false"),
    };

    private static ArgumentException Bad(string path, string problem) => new($"--audit-policy-file {path}: {problem}");
}
