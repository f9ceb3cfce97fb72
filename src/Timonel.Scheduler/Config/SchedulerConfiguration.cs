using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Serialization;

namespace Timonel.Scheduler.Config;

/// <summary>
/// A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), the parts Timonel honours:
/// percentageOfNodesToScore, podInitialBackoffSeconds, podMaxBackoffSeconds, and profiles with
/// schedulerName, plugins per extension point (enabled/disabled, score weights) and pluginConfig args.
/// </summary>
public sealed class SchedulerConfiguration
{
    public const string ApiVersion = "kubescheduler.config.k8s.io/v1";
    public const string DefaultSchedulerName = "default-scheduler";

    public int PercentageOfNodesToScore { get; init; }

    public int PodInitialBackoffSeconds { get; init; } = 1;

    public int PodMaxBackoffSeconds { get; init; } = 10;

    public IReadOnlyList<ProfileConfiguration> Profiles { get; init; } = [new ProfileConfiguration()];

    /// <summary>The defaults: one profile, default-scheduler, with upstream's default plugins.</summary>
    public static SchedulerConfiguration Default { get; } = new();

    /// <summary>Parses YAML or JSON text. Throws ArgumentException naming the offending field.</summary>
    public static SchedulerConfiguration Parse(string text)
    {
        JsonNode? root;
        try
        {
            root = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : YamlToJson.Convert(text);
        }
        catch (Exception e) when (e is JsonException or Timonel.Api.Errors.ApiException)
        {
            throw new ArgumentException($"scheduler configuration is not valid YAML or JSON: {e.Message}", e);
        }

        if (root is not JsonObject o)
        {
            throw new ArgumentException("scheduler configuration must be an object");
        }

        var apiVersion = o["apiVersion"]?.GetValue<string>();
        if (apiVersion != ApiVersion)
        {
            throw new ArgumentException($"apiVersion: Unsupported value: \"{apiVersion}\": supported values: \"{ApiVersion}\"");
        }

        var kind = o["kind"]?.GetValue<string>();
        if (kind is not null and not "KubeSchedulerConfiguration")
        {
            throw new ArgumentException($"kind: Unsupported value: \"{kind}\": supported values: \"KubeSchedulerConfiguration\"");
        }

        var percentage = Int(o, "percentageOfNodesToScore", 0);
        if (percentage is < 0 or > 100)
        {
            throw new ArgumentException($"percentageOfNodesToScore: Invalid value: {percentage}: not in valid range [0-100]");
        }

        var profiles = new List<ProfileConfiguration>();
        if (o["profiles"] is JsonArray list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                profiles.Add(ProfileConfiguration.Parse(list[i] as JsonObject ?? throw new ArgumentException($"profiles[{i}]: must be an object"), $"profiles[{i}]"));
            }
        }

        if (profiles.Count == 0)
        {
            profiles.Add(new ProfileConfiguration());
        }

        var dup = profiles.GroupBy(p => p.SchedulerName).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new ArgumentException($"profiles[].schedulerName: Duplicate value: \"{dup.Key}\"");
        }

        var initial = Int(o, "podInitialBackoffSeconds", 1);
        var max = Int(o, "podMaxBackoffSeconds", 10);
        if (initial <= 0 || max < initial)
        {
            throw new ArgumentException("podMaxBackoffSeconds: Invalid value: must be greater than or equal to podInitialBackoffSeconds, which must be positive");
        }

        return new SchedulerConfiguration { PercentageOfNodesToScore = percentage, Profiles = profiles, PodInitialBackoffSeconds = initial, PodMaxBackoffSeconds = max };
    }

    internal static int Int(JsonObject o, string name, int fallback)
    {
        var node = o[name];
        if (node is null)
        {
            return fallback;
        }

        if (node is JsonValue v)
        {
            if (v.TryGetValue<int>(out var i))
            {
                return i;
            }

            if (v.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue)
            {
                return (int)l;
            }
        }

        throw new ArgumentException($"{name}: Invalid value: {node.ToJsonString()}: must be an integer");
    }
}

/// <summary>One profile of the configuration.</summary>
public sealed class ProfileConfiguration
{
    /// <summary>Extension points that take a plugin list, as in KubeSchedulerConfiguration's plugins field.</summary>
    public static IReadOnlyList<string> ExtensionPoints { get; } =
        ["multiPoint", "queueSort", "preEnqueue", "preFilter", "filter", "postFilter", "preScore", "score", "reserve", "permit", "preBind", "bind", "postBind"];

    public string SchedulerName { get; init; } = SchedulerConfiguration.DefaultSchedulerName;

    /// <summary>0: inherit the global value.</summary>
    public int PercentageOfNodesToScore { get; init; }

    /// <summary>Per extension point: the enabled plugins with weights, and the disabled names ("*" disables all defaults).</summary>
    public IReadOnlyDictionary<string, (IReadOnlyList<(string Name, int Weight)> Enabled, IReadOnlyList<string> Disabled)> Plugins { get; init; } =
        new Dictionary<string, (IReadOnlyList<(string, int)>, IReadOnlyList<string>)>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, JsonElement> PluginArgs { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    internal static ProfileConfiguration Parse(JsonObject o, string path)
    {
        var name = o["schedulerName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"{path}.schedulerName: Required value");
        }

        var plugins = new Dictionary<string, (IReadOnlyList<(string, int)>, IReadOnlyList<string>)>(StringComparer.Ordinal);
        if (o["plugins"] is JsonObject p)
        {
            foreach (var (point, node) in p)
            {
                if (!ExtensionPoints.Contains(point))
                {
                    throw new ArgumentException($"{path}.plugins.{point}: unknown extension point");
                }

                var set = node as JsonObject;
                var enabled = (set?["enabled"] as JsonArray ?? []).Select(e => (Name(e, $"{path}.plugins.{point}.enabled"), e is JsonObject eo ? SchedulerConfiguration.Int(eo, "weight", 0) : 0)).ToList();
                var disabled = (set?["disabled"] as JsonArray ?? []).Select(e => Name(e, $"{path}.plugins.{point}.disabled")).ToList();
                plugins[point] = (enabled, disabled);
            }
        }

        var args = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (o["pluginConfig"] is JsonArray configs)
        {
            foreach (var c in configs)
            {
                var pluginName = Name(c, $"{path}.pluginConfig");
                if (!PluginRegistry.Factories.ContainsKey(pluginName))
                {
                    throw new ArgumentException($"{path}.pluginConfig: plugin \"{pluginName}\" does not exist");
                }

                args[pluginName] = JsonSerializer.SerializeToElement(c!["args"]);
            }
        }

        return new ProfileConfiguration
        {
            SchedulerName = name,
            PercentageOfNodesToScore = SchedulerConfiguration.Int(o, "percentageOfNodesToScore", 0),
            Plugins = plugins,
            PluginArgs = args,
        };
    }

    private static string Name(JsonNode? e, string path) =>
        (e as JsonObject)?["name"]?.GetValue<string>() is { Length: > 0 } n ? n : throw new ArgumentException($"{path}[].name: Required value");
}
