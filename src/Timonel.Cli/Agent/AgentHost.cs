using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Security;
using Timonel.Client.Certificates;
using Timonel.Kubelet;
using Timonel.Kubelet.Node;

namespace Timonel.Cli.Agent;

/// <summary>Starts a node agent for `timonel agent` and for the local node inside `timonel server`.</summary>
internal static class AgentHost
{
    /// <summary>The default node name: the machine's host name, lower-cased (Node names are DNS subdomains).</summary>
    public static string DefaultNodeName() => Environment.MachineName.ToLowerInvariant();

    /// <summary>How long the in-server agent's certificate is valid; renewed at 70–90 % of it.</summary>
    public static readonly TimeSpan InServerCertificateLifetime = TimeSpan.FromDays(365);

    /// <summary>
    /// The local agent of `timonel server` (unless --disable-agent): same data dir, the server's
    /// address and CA from the admin kubeconfig the server wrote, and, as its credential, a
    /// "system:node:NAME" client certificate the server issues from its own client CA in process
    /// (no CSR: the server owns the CA; renewed the same way). Call after the API server serves;
    /// dispose before the server.
    /// </summary>
    public static async Task<NodeAgent> StartInServerAsync(string dataDir, string kubeconfigPath, ClusterPki pki, string clusterCidr, AgentImageSettings images, Kubelet.Images.ImageGcPolicy imageGc, AgentIngressSettings ingress, bool networkPolicy, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var nodeName = DefaultNodeName();
        var admin = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        X509Certificate2 Issue() => pki.IssueClientCertificate(NodeClientCertificates.UserPrefix + nodeName, [NodeClientCertificates.NodesGroup], DateTimeOffset.UtcNow, InServerCertificateLifetime);
        var rotating = new RotatingClientCertificate(Issue(), (_, _) => Task.FromResult(Issue()), TimeProvider.System, loggers.CreateLogger("agent.certificate"));
        var client = new Kubernetes(rotating.Configure(new KubernetesClientConfiguration { Host = admin.Host, SslCaCerts = admin.SslCaCerts, SkipTlsVerify = admin.SkipTlsVerify }));
        rotating.Start();
        var options = new KubeletOptions
        {
            DataDir = dataDir,
            NodeName = nodeName,
            NodeIp = MachineInfo.DefaultNodeIp(),
            ClusterCidr = clusterCidr,
            ImagePullPolicyOverride = images.PullPolicyOverride,
            ImageGc = imageGc,
            Registries = images.Registries,
            SerializeImagePulls = images.SerializePulls,
            ImagePullProgressDeadline = images.PullProgressDeadline,
        };
        return await NodeAgent.StartAsync(options, client, loggers, networkPolicy, cancellationToken, rotating, ingress.Enabled ? InServerIngress(admin, pki, nodeName, ingress, loggers) : null).ConfigureAwait(false);
    }

    /// <summary>
    /// The local agent's ingress controller, as its own user timonel:ingress-controller (a client
    /// certificate the server issues and renews in process, as the node's): it reads every TLS
    /// Secret, which the node's identity may not.
    /// </summary>
    private static AgentIngress InServerIngress(KubernetesClientConfiguration admin, ClusterPki pki, string nodeName, AgentIngressSettings settings, ILoggerFactory loggers)
    {
        X509Certificate2 Issue() => pki.IssueClientCertificate(ComponentUsers.IngressController, [], DateTimeOffset.UtcNow, InServerCertificateLifetime);
        var rotating = new RotatingClientCertificate(Issue(), (_, _) => Task.FromResult(Issue()), TimeProvider.System, loggers.CreateLogger("ingress.certificate"));
        var client = new Kubernetes(rotating.Configure(new KubernetesClientConfiguration { Host = admin.Host, SslCaCerts = admin.SslCaCerts, SkipTlsVerify = admin.SkipTlsVerify }));
        rotating.Start();
        return new AgentIngress(client, new Ingress.Hosting.IngressControllerOptions { NodeName = nodeName, Proxy = settings.Proxy }, rotating);
    }

    /// <summary>
    /// The API client of `timonel agent --server URL --token T`: the kubelet's TLS bootstrap trades
    /// the join token for the node's own client certificate (or reuses the one stored in
    /// DATA_DIR/agent/pki), which then authenticates every request and is renewed in the background.
    /// </summary>
    public static async Task<(IKubernetes Client, RotatingClientCertificate Certificate)> NodeClientAsync(KubeletOptions options, string server, string token, string? caFile, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var bootstrap = new NodeClientBootstrap(new NodeCertificateFiles(Path.Combine(options.AgentDir, "pki")), options.NodeName, TimeProvider.System, loggers.CreateLogger("agent.certificate"));
        var rotating = await bootstrap.StartAsync(() => ClientFor(server, token, caFile), () => ServerConfig(server, caFile), cancellationToken).ConfigureAwait(false);
        rotating.Start();
        return (new Kubernetes(rotating.Configure(ServerConfig(server, caFile))), rotating);
    }

    /// <summary>An API client that sends <paramref name="token"/> as a bearer token (the join token: it may only request the node's certificate).</summary>
    public static Kubernetes ClientFor(string server, string token, string? caFile)
    {
        var config = ServerConfig(server, caFile);
        config.AccessToken = token;
        return new Kubernetes(config);
    }

    /// <summary>The server's address and how to trust it, without a credential.</summary>
    private static KubernetesClientConfiguration ServerConfig(string server, string? caFile)
    {
        var config = new KubernetesClientConfiguration { Host = server };
        if (caFile is not null)
        {
            config.SslCaCerts = [X509CertificateLoader.LoadCertificateFromFile(caFile)];
        }
        else
        {
            // No CA given: the join token's CA hash is not verified yet (see the agent's --ca-file).
            config.SkipTlsVerify = true;
        }

        return config;
    }

    /// <summary>--cluster-dns: comma-separated IP addresses, as the kubelet's flag; empty gives none (pods use the node's resolvers).</summary>
    public static IReadOnlyList<IPAddress> ParseClusterDns(string? text) =>
        [.. (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => IPAddress.TryParse(s, out var ip) ? ip : throw new ArgumentException($"--cluster-dns \"{s}\" is not an IP address"))];

    /// <summary>--image-pull-policy-override: IfNotPresent, Never, or empty for none (Always would only add failing pulls on the nodes it is meant for).</summary>
    public static string? ParseImagePullPolicyOverride(string? text) => text switch
    {
        null or "" => null,
        "IfNotPresent" or "Never" => text,
        _ => throw new ArgumentException($"--image-pull-policy-override \"{text}\" is not one of IfNotPresent, Never or \"\" (none)"),
    };

    /// <summary>--cluster-domain: a DNS domain such as cluster.local (a trailing dot is allowed).</summary>
    public static string ParseClusterDomain(string? text)
    {
        var domain = (text ?? string.Empty).TrimEnd('.');
        var labels = domain.Split('.');
        return domain.Length is > 0 and <= 253 && labels.All(IsDnsLabel)
            ? domain.ToLowerInvariant()
            : throw new ArgumentException($"--cluster-domain \"{text}\" is not a DNS domain such as cluster.local");
    }

    public static IPAddress ParseNodeIp(string? text) =>
        text is null ? MachineInfo.DefaultNodeIp()
        : IPAddress.TryParse(text, out var ip) ? ip
        : throw new ArgumentException($"--node-ip \"{text}\" is not an IP address");

    private static bool IsDnsLabel(string label) =>
        label.Length is > 0 and <= 63
        && char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1])
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
