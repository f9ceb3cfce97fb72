using k8s.Models;

namespace Timonel.Controllers.ServiceLoadBalancer;

/// <summary>
/// A cloud the cluster runs in (upstream's cloudprovider.Interface, reduced to what Timonel
/// uses). The service-lb controller asks it for a load balancer; a provider without one
/// returns null and LoadBalancer Services stay pending.
/// </summary>
public interface ICloudProvider
{
    /// <summary>The provider's name, as --cloud-provider would choose it (e.g. "local").</summary>
    string Name { get; }

    /// <summary>The provider's load balancers, or null when it has none.</summary>
    ILoadBalancer? LoadBalancer { get; }
}

/// <summary>
/// Load balancers for Services of type LoadBalancer. Calls are idempotent: the controller repeats
/// them whenever the Service or the set of eligible nodes changes.
/// </summary>
public interface ILoadBalancer
{
    /// <summary>
    /// Creates or updates the load balancer of <paramref name="service"/> in front of
    /// <paramref name="nodes"/> (the eligible nodes) and returns the status to publish.
    /// Throwing makes the controller retry with backoff.
    /// </summary>
    Task<V1LoadBalancerStatus> EnsureLoadBalancerAsync(V1Service service, IReadOnlyList<V1Node> nodes, CancellationToken cancellationToken);

    /// <summary>Removes the load balancer of a Service that is gone or no longer of type LoadBalancer; absent is fine.</summary>
    Task EnsureLoadBalancerDeletedAsync(V1Service service, CancellationToken cancellationToken);
}
