namespace Timonel.Kubelet.Network;

/// <summary>The node's kernel routes that the agent owns (tagged with its own route protocol).</summary>
public interface IRouteTable
{
    /// <summary>The agent's routes now in the table.</summary>
    Task<IReadOnlyList<PodRoute>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds the route or changes its gateway.</summary>
    Task ReplaceAsync(PodRoute route, CancellationToken cancellationToken);

    Task DeleteAsync(PodRoute route, CancellationToken cancellationToken);

    /// <summary>Turns on IPv4 forwarding and masquerades pod traffic that leaves the cluster CIDR.</summary>
    Task EnsureForwardingAsync(string podCidr, string clusterCidr, CancellationToken cancellationToken);
}
