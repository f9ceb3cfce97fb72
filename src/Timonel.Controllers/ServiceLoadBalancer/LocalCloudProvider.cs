using k8s.Models;

namespace Timonel.Controllers.ServiceLoadBalancer;

/// <summary>
/// The built-in provider, like k3s's ServiceLB: a Service's load balancer is the nodes
/// themselves. Its ingress IPs are the eligible nodes' InternalIPs, and each node's service
/// proxy answers the Service port on those addresses (a DNAT of node address + service port).
/// Unlike k3s no DaemonSet of forwarding pods is run: the proxy's rule does the same job.
/// </summary>
public sealed class LocalCloudProvider : ICloudProvider, ILoadBalancer
{
    public string Name => "local";

    public ILoadBalancer LoadBalancer => this;

    public Task<V1LoadBalancerStatus> EnsureLoadBalancerAsync(V1Service service, IReadOnlyList<V1Node> nodes, CancellationToken cancellationToken)
    {
        var ips = nodes
            .SelectMany(n => n.Status?.Addresses ?? [])
            .Where(a => a.Type == "InternalIP" && System.Net.IPAddress.TryParse(a.Address, out _))
            .Select(a => a.Address)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return Task.FromResult(new V1LoadBalancerStatus { Ingress = [.. ips.Select(ip => new V1LoadBalancerIngress { Ip = ip, IpMode = "VIP" })] });
    }

    public Task EnsureLoadBalancerDeletedAsync(V1Service service, CancellationToken cancellationToken) => Task.CompletedTask;
}
