using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Dns.Hosting;
using Timonel.Kubelet.Network;

namespace Timonel.Kubelet;

/// <summary>The node's cluster DNS server as a node agent runs it: on the node IP, in the node's network.</summary>
public static class KubeletDns
{
    /// <summary>Starts it, or returns null when <see cref="KubeletOptions.DnsPort"/> is null.</summary>
    public static NodeDnsService? Start(KubeletOptions options, IKubernetes client, ILoggerFactory loggers) =>
        options.DnsPort is { } port
            ? NodeDnsService.Start(client, new NodeDnsOptions
            {
                NodeName = options.NodeName,
                ListenAddress = options.NodeIp,
                Port = port,
                // Pod records as kubeadm's CoreDNS ("pods insecure"): verifying them would need a
                // watch of every pod, which the node's credential may not have (the Node
                // authorizer lets a node list only its own pods).
                Cluster = new Timonel.Dns.ClusterDnsOptions { ClusterDomain = options.ClusterDomain, PodRecords = Timonel.Dns.PodRecordMode.Insecure },
                ResolvConfPath = options.ResolvConf,
                Sockets = new NodeNetwork(options.NetworkNamespace).CreateSocketAsync,
            }, loggers)
            : null;
}
