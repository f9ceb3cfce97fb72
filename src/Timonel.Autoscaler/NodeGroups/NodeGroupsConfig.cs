using System.Text.RegularExpressions;
using k8s.Models;
using Timonel.Simulator;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Timonel.Autoscaler.NodeGroups;

/// <summary>
/// The file --node-groups names: which provider makes the machines and the groups it manages.
/// <code>
/// provider: simulated            # or exec
/// exec:                          # exec only: argv; the group and count (create) or group and node (delete) are appended
///   create: [/usr/local/bin/add-machines]
///   delete: [/usr/local/bin/remove-machine]
/// nodeGroups:
/// - name: small
///   minSize: 0
///   maxSize: 10
///   cpu: "4"
///   memory: 16Gi
///   pods: "110"
///   labels: {pool: small}
///   taints: ["dedicated=batch:NoSchedule"]
/// </code>
/// </summary>
public sealed class NodeGroupsConfig
{
    public string Provider { get; set; } = "simulated";

    public ExecCommands? Exec { get; set; }

    public List<NodeGroupSpec> NodeGroups { get; set; } = [];

    /// <summary>Parses and checks the file's text; the exception's message names the field at fault.</summary>
    /// <exception cref="ArgumentException">The text is not a valid node-groups file.</exception>
    public static NodeGroupsConfig Parse(string yaml)
    {
        NodeGroupsConfig? config;
        try
        {
            config = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<NodeGroupsConfig>(yaml);
        }
        catch (YamlException e)
        {
            throw new ArgumentException($"node groups: {e.InnerException?.Message ?? e.Message} (line {e.Start.Line})", e);
        }

        config ??= new NodeGroupsConfig();
        config.Validate();
        return config;
    }

    private void Validate()
    {
        if (Provider is not ("simulated" or "exec"))
        {
            throw new ArgumentException($"node groups: provider: Unsupported value: \"{Provider}\": supported values: \"simulated\", \"exec\"");
        }

        if (Provider == "exec" && (Exec?.Create is not { Count: > 0 } || Exec.Delete is not { Count: > 0 }))
        {
            throw new ArgumentException("node groups: exec.create and exec.delete: Required value: the exec provider runs these commands to add and remove machines");
        }

        if (NodeGroups.Count == 0)
        {
            throw new ArgumentException("node groups: nodeGroups: Required value: at least one node group");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < NodeGroups.Count; i++)
        {
            NodeGroups[i].Validate($"nodeGroups[{i}]");
            if (!seen.Add(NodeGroups[i].Name))
            {
                throw new ArgumentException($"node groups: nodeGroups[{i}].name: Duplicate value: \"{NodeGroups[i].Name}\"");
            }
        }
    }
}

/// <summary>The exec provider's commands (argv, no shell).</summary>
public sealed class ExecCommands
{
    public List<string> Create { get; set; } = [];

    public List<string> Delete { get; set; } = [];
}

/// <summary>One node group: bounds and the machine every node of it is.</summary>
public sealed partial class NodeGroupSpec
{
    public string Name { get; set; } = "";

    public int MinSize { get; set; }

    public int MaxSize { get; set; }

    public string Cpu { get; set; } = "4";

    public string Memory { get; set; } = "16Gi";

    public string Pods { get; set; } = "110";

    public Dictionary<string, string> Labels { get; set; } = [];

    public List<string> Taints { get; set; } = [];

    /// <summary>The node's template as the simulator would build it (capacity = allocatable), with the group's label.</summary>
    public SimulatedNodeTemplate Template() => new()
    {
        Cpu = Cpu,
        Memory = Memory,
        Pods = Pods,
        Labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal) { [NodeGroupLabels.Group] = Name },
        Taints = SimulatedNodeTemplate.ParseTaints(string.Join(',', Taints)),
    };

    internal void Validate(string path)
    {
        if (!DnsLabel().IsMatch(Name))
        {
            throw new ArgumentException($"node groups: {path}.name: Invalid value: \"{Name}\": must be a lowercase RFC 1123 label of at most 40 characters (it prefixes node names)");
        }

        if (MinSize < 0 || MaxSize < 1 || MinSize > MaxSize)
        {
            throw new ArgumentException($"node groups: {path}: Invalid value: minSize {MinSize}, maxSize {MaxSize}: need 0 <= minSize <= maxSize and maxSize >= 1");
        }

        foreach (var (field, value) in new[] { ("cpu", Cpu), ("memory", Memory), ("pods", Pods) })
        {
            try
            {
                if (new ResourceQuantity(value).ToDecimal() <= 0)
                {
                    throw new FormatException("not positive");
                }
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                throw new ArgumentException($"node groups: {path}.{field}: Invalid value: \"{value}\": must be a positive quantity such as 4 or 16Gi", e);
            }
        }

        try
        {
            _ = SimulatedNodeTemplate.ParseTaints(string.Join(',', Taints));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"node groups: {path}.taints: {e.Message}", e);
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}

/// <summary>Labels the node-group providers put on their nodes.</summary>
public static class NodeGroupLabels
{
    /// <summary>The group a node belongs to; exec machines must join with it (--node-label timonel.dev/node-group=NAME).</summary>
    public const string Group = "timonel.dev/node-group";
}
