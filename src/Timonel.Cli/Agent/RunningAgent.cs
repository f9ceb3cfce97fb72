using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet;
using Timonel.Proxy;

namespace Timonel.Cli.Agent;

/// <summary>A running node agent: the kubelet and the service proxy that programs the node's Services.</summary>
internal sealed class RunningAgent : IAsyncDisposable
{
    private RunningAgent(KubeletAgent kubelet, ServiceProxy proxy)
    {
        Kubelet = kubelet;
        Proxy = proxy;
    }

    public KubeletAgent Kubelet { get; }

    public ServiceProxy Proxy { get; }

    /// <summary>The proxy's settings for an agent: same node, same network namespace, the cluster CIDR as the pod range.</summary>
    public static ProxyOptions ProxyOptionsFor(KubeletOptions options) => new()
    {
        NodeName = options.NodeName,
        NetworkNamespace = options.NetworkNamespace,
        ClusterCidr = options.ClusterCidr,
    };

    public static async Task<RunningAgent> StartAsync(KubeletOptions options, IKubernetes client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var kubelet = await KubeletAgent.StartAsync(options, client, loggers, cancellationToken).ConfigureAwait(false);
        try
        {
            var proxy = await ServiceProxy.StartAsync(ProxyOptionsFor(options), client, loggers, cancellationToken).ConfigureAwait(false);
            return new RunningAgent(kubelet, proxy);
        }
        catch
        {
            await kubelet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The proxy's table stays: Services keep answering while the agent is down or restarting.
        await Proxy.DisposeAsync().ConfigureAwait(false);
        await Kubelet.DisposeAsync().ConfigureAwait(false);
    }
}
