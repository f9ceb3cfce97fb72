using System.CommandLine;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer;
using Timonel.Kubelet;

namespace Timonel.Cli.Agent;

/// <summary>`timonel agent --server URL --token T`: joins this machine to a cluster as a node.</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "URL of the API server, e.g. https://10.0.0.1:6443" };
        var token = new Option<string>("--token") { Description = "Join token (DATA_DIR/server/token on the server) or any bearer token the server accepts" };
        var caFile = new Option<string?>("--ca-file") { Description = "PEM file of the server's CA; without it the server certificate is not verified" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (default /var/lib/timonel as root, else ~/.timonel); the agent uses DATA_DIR/agent" };
        var nodeName = new Option<string?>("--node-name") { Description = "Node name (default: the host name)" };
        var nodeIp = new Option<string?>("--node-ip") { Description = "The node's InternalIP (default: the first IPv4 address of an interface that is up)" };
        var clusterCidr = new Option<string>("--cluster-cidr") { Description = "The cluster's pod CIDR (the server's --cluster-cidr): pod traffic inside it is routed between nodes, never masqueraded", DefaultValueFactory = _ => "10.42.0.0/16" };
        var clusterDns = new Option<string>("--cluster-dns") { Description = "Comma-separated nameserver IPs put in ClusterFirst pods' resolv.conf (the kube-dns ClusterIP); empty: pods use the node's resolvers", DefaultValueFactory = _ => "10.43.0.10" };
        var clusterDomain = new Option<string>("--cluster-domain") { Description = "The cluster's DNS domain: pods' search path and the names the node's DNS server answers", DefaultValueFactory = _ => "cluster.local" };
        var resolvConf = new Option<string>("--resolv-conf") { Description = "The node's resolver file: pods with dnsPolicy Default use it, the node's DNS server forwards other names to its nameservers", DefaultValueFactory = _ => "/etc/resolv.conf" };
        var pullOverride = new Option<string?>("--image-pull-policy-override") { Description = "IfNotPresent or Never: every container's image follows this instead of its imagePullPolicy (air-gapped nodes, where a pull can only fail); empty (default): each container's own policy" };
        var verbose = new Option<bool>("--debug") { Description = "Debug logs" };
        var cleanup = new Option<bool>("--cleanup") { Description = "After the agent stopped: stop and remove every pod it left running (containers, shims, pod network namespaces, mounts, cgroups; its containerd too), delete what it leaves in the node's network (the service proxy's table ip timonel, the pod masquerade table ip timonel-podnet, the routes to other nodes' pods), and exit" };
        var command = new Command("agent", "Run a node agent: containerd, pods, node heartbeats");
        foreach (var o in new Option[] { server, token, caFile, dataDir, nodeName, nodeIp, clusterCidr, clusterDns, clusterDomain, resolvConf, pullOverride, verbose, cleanup })
        {
            command.Options.Add(o);
        }

        var ingressFlags = new IngressFlags();
        ingressFlags.AddTo(command, withKubeconfig: true);
        var networkPolicyFlag = new NetworkPolicyFlag();
        networkPolicyFlag.AddTo(command);
        var imageGcFlags = new ImageGcFlags();
        imageGcFlags.AddTo(command);
        var imageFlags = new ImageFlags();
        imageFlags.AddTo(command);

        command.SetAction(async (parse, ct) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            if (parse.GetValue(cleanup))
            {
                var cleanupDir = Path.GetFullPath(parse.GetValue(dataDir) ?? ApiServerOptions.DefaultDataDir());
                return await CleanupAsync(cleanupDir, parse.GetValue(nodeName), loggers, ct).ConfigureAwait(false);
            }

            KubeletOptions options;
            AgentIngressSettings ingress;
            try
            {
                if (parse.GetValue(server) is null || parse.GetValue(token) is null)
                {
                    throw new ArgumentException("--server and --token are required (unless --cleanup)");
                }

                if (!Uri.TryCreate(parse.GetValue(server), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
                {
                    throw new ArgumentException($"--server \"{parse.GetValue(server)}\" is not an http(s) URL");
                }

                var images = imageFlags.Read(parse, AgentHost.ParseImagePullPolicyOverride(parse.GetValue(pullOverride)));
                options = new KubeletOptions
                {
                    DataDir = Path.GetFullPath(parse.GetValue(dataDir) ?? ApiServerOptions.DefaultDataDir()),
                    NodeName = parse.GetValue(nodeName) ?? AgentHost.DefaultNodeName(),
                    NodeIp = AgentHost.ParseNodeIp(parse.GetValue(nodeIp)),
                    ClusterCidr = parse.GetValue(clusterCidr)!,
                    ClusterDns = AgentHost.ParseClusterDns(parse.GetValue(clusterDns)),
                    ClusterDomain = AgentHost.ParseClusterDomain(parse.GetValue(clusterDomain)),
                    ResolvConf = Path.GetFullPath(parse.GetValue(resolvConf) is { Length: > 0 } file ? file : throw new ArgumentException("--resolv-conf must name a file")),
                    ImagePullPolicyOverride = images.PullPolicyOverride,
                    ImageGc = imageGcFlags.Read(parse),
                    Registries = images.Registries,
                    SerializeImagePulls = images.SerializePulls,
                    ImagePullProgressDeadline = images.PullProgressDeadline,
                };
                _ = Kubelet.Network.CniConfig.ParseCidr(options.ClusterCidr);
                ingress = ingressFlags.Read(parse);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"timonel agent: {e.Message}");
                return 2;
            }

            try
            {
                var (client, certificate) = await AgentHost.NodeClientAsync(options, parse.GetValue(server)!, parse.GetValue(token)!, parse.GetValue(caFile), loggers, ct).ConfigureAwait(false);
                await using var agent = await NodeAgent.StartAsync(options, client, loggers, networkPolicyFlag.Enabled(parse), ct, certificate, AgentIngress.FromKubeconfig(ingress, options.NodeName, loggers)).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                return 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException or k8s.Autorest.HttpOperationException or Proxy.Nft.NftException or Client.Certificates.NodeCertificateException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"timonel agent: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>
    /// `--cleanup` (k3s' killall): removes what the agent leaves running on purpose so a restart
    /// adopts it: the pods (containers, shims, network namespaces, mounts; through its own
    /// containerd, which is stopped after), the proxy's table (like kube-proxy --cleanup), the pod
    /// masquerade table and routes. Run it after stopping the agent.
    /// </summary>
    private static async Task<int> CleanupAsync(string dataDir, string? nodeName, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            var pods = await new Kubelet.Runtime.NodeTeardown(dataDir, KubeletOptions.DefaultCniBinDir, loggers).RunAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"removed {pods.Sandboxes} pod sandboxes, {pods.Containers} leftover containers and {pods.Shims} shims; detached {pods.Unmounted} mounts under {Path.Combine(dataDir, "agent")}; containerd stopped");
            await Proxy.ServiceProxy.CleanupAsync(new Proxy.ProxyOptions { NodeName = nodeName ?? AgentHost.DefaultNodeName() }, cancellationToken).ConfigureAwait(false);
            Console.WriteLine("deleted nftables table ip timonel");
            await Proxy.NetworkPolicy.NetworkPolicyController.CleanupAsync(new Proxy.ProxyOptions { NodeName = nodeName ?? AgentHost.DefaultNodeName() }, cancellationToken).ConfigureAwait(false);
            Console.WriteLine("deleted nftables table inet timonel-netpol");
            await new Kubelet.Network.IpRouteTable(netnsPath: null).RemoveAllAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"deleted nftables table ip {Kubelet.Network.IpRouteTable.MasqueradeTable} and the routes of protocol {Kubelet.Network.IpRouteTable.RouteProtocol}");
            return 0;
        }
        catch (Exception e) when (e is Proxy.Nft.NftException or System.ComponentModel.Win32Exception or InvalidOperationException or IOException or Grpc.Core.RpcException)
        {
            Console.Error.WriteLine($"timonel agent --cleanup: {e.Message}");
            return 1;
        }
    }
}
