using System.Text.Json.Nodes;
using Timonel.Api.Nodes;
using Timonel.ApiServer.Streaming;

namespace Timonel.ApiServer.Security;

/// <summary>What the server knows of a node before it dials anything on it.</summary>
internal enum NodeVerdict
{
    /// <summary>A registered node that is not simulated: its addresses may be dialled (through the dial filter).</summary>
    Reachable,

    /// <summary>No node name at all (a pod not scheduled yet; an endpoint that names none).</summary>
    Unnamed,

    /// <summary>A name no Node object has: it may have been a simulated one.</summary>
    NotRegistered,

    /// <summary>A simulated node (label timonel.dev/simulated=true): its addresses are made up and could route off the machine.</summary>
    Simulated,
}

/// <summary>
/// The one place that says whether something on a node may be dialled, before the dial filter
/// (<see cref="FilteredDialer"/>) sees the address. Simulated nodes' addresses are never dialled:
/// they are made up and would route off the machine. Callers choose how strict to be with a node
/// that is unnamed or not registered (the proxy subresources refuse both; service endpoints that
/// name no node, such as hand-made ones for a loopback backend, are allowed).
/// </summary>
internal sealed class NodeReachability(Func<string, CancellationToken, Task<JsonObject?>> getNode)
{
    public async Task<NodeVerdict> JudgeAsync(string? nodeName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(nodeName))
        {
            return NodeVerdict.Unnamed;
        }

        var node = await getNode(nodeName, cancellationToken).ConfigureAwait(false);
        return node is null ? NodeVerdict.NotRegistered
            : KubeletConnector.IsSimulated(node) ? NodeVerdict.Simulated
            : NodeVerdict.Reachable;
    }

    /// <summary>Null when <paramref name="nodeName"/> is a registered node that is not simulated; else why nothing on it may be dialled.</summary>
    public async Task<string?> WhyUnreachableAsync(string? nodeName, CancellationToken cancellationToken) =>
        await JudgeAsync(nodeName, cancellationToken).ConfigureAwait(false) switch
        {
            NodeVerdict.Unnamed => "it is not scheduled to a node",
            NodeVerdict.NotRegistered => $"its node \"{nodeName}\" is not registered",
            NodeVerdict.Simulated => $"its node \"{nodeName}\" is simulated (label {SimulatedNodes.Label}=true): its addresses are made up and never dialled",
            _ => null,
        };
}
