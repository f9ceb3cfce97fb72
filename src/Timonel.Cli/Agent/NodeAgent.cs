using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Dns.Hosting;
using Timonel.Kubelet;
using Timonel.Proxy;
using Timonel.Proxy.NetworkPolicy;

namespace Timonel.Cli.Agent;

/// <summary>
/// One node agent, as `timonel agent` and the server's local node run it: the kubelet (with its
/// containerd), the service proxy, the network policy controller (unless --disable-network-policy),
/// the node's cluster DNS server and its ingress controller, started in that order and stopped in reverse.
/// </summary>
internal sealed class NodeAgent : IAsyncDisposable
{
    private readonly IAsyncDisposable? _credential;
    private int _disposed;

    private NodeAgent(KubeletAgent kubelet, ServiceProxy proxy, NetworkPolicyController? policies, NodeDnsService? dns, AgentIngress? ingress, IAsyncDisposable? credential)
    {
        Kubelet = kubelet;
        Proxy = proxy;
        Policies = policies;
        Dns = dns;
        Ingress = ingress;
        _credential = credential;
    }

    /// <summary>The node's ingress controller (null when disabled or without a credential).</summary>
    public AgentIngress? Ingress { get; }

    public KubeletAgent Kubelet { get; }

    public ServiceProxy Proxy { get; }

    /// <summary>The node's NetworkPolicy enforcer (null with --disable-network-policy).</summary>
    public NetworkPolicyController? Policies { get; }

    /// <summary>The node's cluster DNS server (null when <see cref="KubeletOptions.DnsPort"/> is null).</summary>
    public NodeDnsService? Dns { get; }

    /// <summary>The proxy's settings for an agent: same node, same network namespace, the cluster CIDR as the pod range.</summary>
    public static ProxyOptions ProxyOptionsFor(KubeletOptions options) => new()
    {
        NodeName = options.NodeName,
        NetworkNamespace = options.NetworkNamespace,
        ClusterCidr = options.ClusterCidr,
    };

    /// <param name="credential">What keeps <paramref name="client"/>'s credential fresh (the node's rotating certificate); disposed last, also when the start fails.</param>
    /// <param name="ingress">The ingress controller to run (its own client and credential); disposed with the agent, also when the start fails.</param>
    /// <param name="networkPolicy">False for --disable-network-policy: no policy controller, and its table from an earlier run removed.</param>
    public static async Task<NodeAgent> StartAsync(KubeletOptions options, IKubernetes client, ILoggerFactory loggers, bool networkPolicy, CancellationToken cancellationToken, IAsyncDisposable? credential = null, AgentIngress? ingress = null)
    {
        try
        {
            return await StartComponentsAsync(options, client, loggers, networkPolicy, credential, ingress, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (ingress is not null)
            {
                await ingress.DisposeAsync().ConfigureAwait(false);
            }

            if (credential is not null)
            {
                await credential.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static async Task<NodeAgent> StartComponentsAsync(KubeletOptions options, IKubernetes client, ILoggerFactory loggers, bool networkPolicy, IAsyncDisposable? credential, AgentIngress? ingress, CancellationToken cancellationToken)
    {
        var kubelet = await KubeletAgent.StartAsync(options, client, loggers, cancellationToken).ConfigureAwait(false);
        ServiceProxy? proxy = null;
        NetworkPolicyController? policies = null;
        try
        {
            proxy = await ServiceProxy.StartAsync(ProxyOptionsFor(options), client, loggers, cancellationToken).ConfigureAwait(false);
            policies = await NetworkPolicyController.StartIfEnabledAsync(networkPolicy, ProxyOptionsFor(options), client, loggers, cancellationToken).ConfigureAwait(false);
            var dns = KubeletDns.Start(options, client, loggers);
            // In the background: a taken port 80 or 443 is retried with a warning, never fatal.
            ingress?.Start(loggers);
            return new NodeAgent(kubelet, proxy, policies, dns, ingress, credential);
        }
        catch
        {
            if (policies is not null)
            {
                await policies.DisposeAsync().ConfigureAwait(false);
            }

            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }

            await kubelet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The ingress first (open requests get its shutdown timeout to finish); DNS next, while the API is reachable (its EndpointSlice goes with it); then the proxy,
    /// whose table stays so Services keep answering while the agent is down or restarting; then
    /// the kubelet, which stops its containerd last; then the credential's renewal.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (Ingress is not null)
            {
                await Ingress.DisposeAsync().ConfigureAwait(false);
            }

            if (Dns is not null)
            {
                await Dns.DisposeAsync().ConfigureAwait(false);
            }

            if (Policies is not null)
            {
                await Policies.DisposeAsync().ConfigureAwait(false);
            }

            await Proxy.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await Kubelet.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                if (_credential is not null)
                {
                    await _credential.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }
}
