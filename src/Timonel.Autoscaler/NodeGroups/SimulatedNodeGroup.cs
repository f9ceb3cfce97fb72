using k8s;
using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Autoscaler.NodeGroups;

/// <summary>
/// A group of simulated nodes: growing it creates Node objects labelled timonel.dev/simulated=true
/// (the node simulator then plays their kubelets and runs their pods); shrinking deletes them.
/// </summary>
internal sealed class SimulatedNodeGroup(NodeGroupSpec spec, IKubernetes client) : NodeGroup(spec)
{
    protected override bool CreatesSynchronously => true;

    protected override async Task CreateAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        foreach (var name in names)
        {
            await client.CoreV1.CreateNodeAsync(TemplateNode(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task DestroyAsync(V1Node node, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNodeAsync(node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e))
        {
            // Already gone: what deleting wanted.
        }
    }
}
