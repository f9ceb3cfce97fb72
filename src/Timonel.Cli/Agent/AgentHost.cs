using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet;
using Timonel.Kubelet.Node;

namespace Timonel.Cli.Agent;

/// <summary>Starts a node agent for `timonel agent` and for the local node inside `timonel server`.</summary>
internal static class AgentHost
{
    /// <summary>The default node name: the machine's host name, lower-cased (Node names are DNS subdomains).</summary>
    public static string DefaultNodeName() => Environment.MachineName.ToLowerInvariant();

    /// <summary>
    /// The local agent of `timonel server` (unless --disable-agent): same data dir, the admin
    /// kubeconfig the server wrote. Call after the API server serves; dispose before the server.
    /// </summary>
    public static Task<NodeAgent> StartInServerAsync(string dataDir, string kubeconfigPath, string clusterCidr, string? imagePullPolicyOverride, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
        var options = new KubeletOptions
        {
            DataDir = dataDir,
            NodeName = DefaultNodeName(),
            NodeIp = MachineInfo.DefaultNodeIp(),
            ClusterCidr = clusterCidr,
            ImagePullPolicyOverride = imagePullPolicyOverride,
        };
        return NodeAgent.StartAsync(options, client, loggers, cancellationToken);
    }

    /// <summary>An API client for `timonel agent --server URL --token T`: the token is sent as a bearer token.</summary>
    public static IKubernetes ClientFor(string server, string token, string? caFile)
    {
        var config = new KubernetesClientConfiguration { Host = server, AccessToken = token };
        if (caFile is not null)
        {
            config.SslCaCerts = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(caFile)];
        }
        else
        {
            // No CA given: the join token's CA hash is not verified yet (see the agent's --ca-file).
            config.SkipTlsVerify = true;
        }

        return new Kubernetes(config);
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
