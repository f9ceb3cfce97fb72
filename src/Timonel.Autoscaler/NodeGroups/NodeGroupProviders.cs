using k8s;

namespace Timonel.Autoscaler.NodeGroups;

/// <summary>Builds the provider a node-groups file describes.</summary>
public static class NodeGroupProviders
{
    public static INodeGroupProvider Create(NodeGroupsConfig config, IKubernetes client) => config.Provider switch
    {
        "exec" => new NodeGroupProvider("exec", [.. config.NodeGroups.Select(g => (NodeGroup)new ExecNodeGroup(g, config.Exec!, client))]),
        _ => new NodeGroupProvider("simulated", [.. config.NodeGroups.Select(g => (NodeGroup)new SimulatedNodeGroup(g, client))]),
    };
}
