using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Dns.Hosting;
using Timonel.Kubelet;
using Timonel.Proxy;

namespace Timonel.Cli.Agent;

/// <summary>
/// One node agent, as `timonel agent` and the server's local node run it: the kubelet (with its
/// containerd), the service proxy and the node's cluster DNS server, started in that order and
/// stopped in reverse.
/// </summary>
internal sealed class NodeAgent : IAsyncDisposable
{
    private int _disposed;

    private NodeAgent(KubeletAgent kubelet, ServiceProxy proxy, NodeDnsService? dns)
    {
        Kubelet = kubelet;
        Proxy = proxy;
        Dns = dns;
    }

    public KubeletAgent Kubelet { get; }

    public ServiceProxy Proxy { get; }

    /// <summary>The node's cluster DNS server (null when <see cref="KubeletOptions.DnsPort"/> is null).</summary>
    public NodeDnsService? Dns { get; }

    /// <summary>The proxy's settings for an agent: same node, same network namespace, the cluster CIDR as the pod range.</summary>
    public static ProxyOptions ProxyOptionsFor(KubeletOptions options) => new()
    {
        NodeName = options.NodeName,
        NetworkNamespace = options.NetworkNamespace,
        ClusterCidr = options.ClusterCidr,
    };

    public static async Task<NodeAgent> StartAsync(KubeletOptions options, IKubernetes client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var kubelet = await KubeletAgent.StartAsync(options, client, loggers, cancellationToken).ConfigureAwait(false);
        ServiceProxy? proxy = null;
        try
        {
            proxy = await ServiceProxy.StartAsync(ProxyOptionsFor(options), client, loggers, cancellationToken).ConfigureAwait(false);
            var dns = KubeletDns.Start(options, client, loggers);
            return new NodeAgent(kubelet, proxy, dns);
        }
        catch
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }

            await kubelet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// DNS first, while the API is reachable (its EndpointSlice goes with it); then the proxy,
    /// whose table stays so Services keep answering while the agent is down or restarting; then
    /// the kubelet, which stops its containerd last.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (Dns is not null)
            {
                await Dns.DisposeAsync().ConfigureAwait(false);
            }

            await Proxy.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Kubelet.DisposeAsync().ConfigureAwait(false);
        }
    }
}
