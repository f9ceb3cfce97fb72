using System.CommandLine;
using System.Globalization;
using Timonel.Api.Validation;
using Timonel.Autoscaler;
using Timonel.Autoscaler.NodeGroups;

namespace Timonel.Cli;

/// <summary>
/// The built-in cluster autoscaler's flags, with upstream cluster-autoscaler's names and defaults.
/// It is off unless --node-groups names a file (upstream needs its --nodes or cloud config too).
/// </summary>
internal sealed class ClusterAutoscalerFlags
{
    private readonly Option<string?> _nodeGroups = new("--node-groups") { Description = "Run the cluster autoscaler over the node groups of this YAML file (provider simulated or exec, each group's name, minSize, maxSize, cpu, memory, labels, taints; see docs/autoscaling.md)" };
    private readonly Option<string> _scanInterval = new("--scan-interval") { Description = "Cluster autoscaler: how often the cluster is re-evaluated for scale up or down (a duration)", DefaultValueFactory = _ => "10s" };
    private readonly Option<string> _expander = new("--expander") { Description = "Cluster autoscaler: which node group grows when several could: least-waste or random", DefaultValueFactory = _ => "least-waste" };
    private readonly Option<bool> _scaleDownEnabled = new("--scale-down-enabled") { Description = "Cluster autoscaler: remove unneeded nodes", DefaultValueFactory = _ => true };
    private readonly Option<string> _threshold = new("--scale-down-utilization-threshold") { Description = "Cluster autoscaler: a node whose pods request less than this share of its CPU and memory may be removed", DefaultValueFactory = _ => "0.5" };
    private readonly Option<string> _unneededTime = new("--scale-down-unneeded-time") { Description = "Cluster autoscaler: how long a node must be unneeded before it is removed (a duration)", DefaultValueFactory = _ => "10m0s" };
    private readonly Option<string> _delayAfterAdd = new("--scale-down-delay-after-add") { Description = "Cluster autoscaler: how long after a scale-up scale-down resumes (a duration)", DefaultValueFactory = _ => "10m0s" };
    private readonly Option<string> _delayAfterDelete = new("--scale-down-delay-after-delete") { Description = "Cluster autoscaler: how long after a node removal scale-down resumes (a duration)", DefaultValueFactory = _ => "0s" };

    public IEnumerable<Option> Options => [_nodeGroups, _scanInterval, _expander, _scaleDownEnabled, _threshold, _unneededTime, _delayAfterAdd, _delayAfterDelete];

    /// <summary>The node groups and options, or null when --node-groups is not given (the autoscaler is off).</summary>
    /// <exception cref="ArgumentException">A flag or the file is invalid; the message names it.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public (NodeGroupsConfig Groups, ClusterAutoscalerOptions Options)? Parse(ParseResult parse)
    {
        if (parse.GetValue(_nodeGroups) is not { Length: > 0 } path)
        {
            return null;
        }

        var text = parse.GetValue(_threshold)!;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
        {
            throw new ArgumentException($"--scale-down-utilization-threshold \"{text}\" is not a number such as 0.5");
        }

        var options = new ClusterAutoscalerOptions
        {
            ScanInterval = Duration(parse, _scanInterval),
            Expander = parse.GetValue(_expander)!,
            ScaleDownEnabled = parse.GetValue(_scaleDownEnabled),
            ScaleDownUtilizationThreshold = threshold,
            ScaleDownUnneededTime = Duration(parse, _unneededTime),
            ScaleDownDelayAfterAdd = Duration(parse, _delayAfterAdd),
            ScaleDownDelayAfterDelete = Duration(parse, _delayAfterDelete),
        };
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error);
        }

        try
        {
            return (NodeGroupsConfig.Parse(File.ReadAllText(path)), options);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--node-groups {path}: {e.Message}", e);
        }
    }

    private static TimeSpan Duration(ParseResult parse, Option<string> option)
    {
        var text = parse.GetValue(option)!;
        return GoDuration.TryParse(text, out var value)
            ? value
            : throw new ArgumentException($"{option.Name} \"{text}\" is not a duration such as 10s or 10m");
    }
}
