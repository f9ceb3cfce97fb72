using k8s.Models;
using Timonel.Dns;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// A pod's resolv.conf as the kubelet gives it to the runtime (upstream pkg/kubelet/network/dns):
/// by dnsPolicy, ClusterFirst (the cluster DNS, cluster search domains before the node's,
/// ndots:5), ClusterFirstWithHostNet, Default (the node's resolv.conf) or None; then the pod's
/// dnsConfig is appended (nameservers and searches deduplicated, options overriding by name);
/// then the resolver's limits (3 nameservers, 32 search domains) are applied.
/// </summary>
public static class PodDns
{
    private const int MaxNameservers = 3;
    private const int MaxSearches = 32;
    private const int MaxHostnameLength = 63;

    /// <summary>The sandbox's DNS config, reading the node's resolv.conf from <see cref="KubeletOptions.ResolvConf"/>.</summary>
    public static DNSConfig Config(V1Pod pod, KubeletOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Config(pod, options, ResolvConf.Read(options.ResolvConf));
    }

    public static DNSConfig Config(V1Pod pod, KubeletOptions options, ResolvConf host)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        var hostNetwork = pod.Spec?.HostNetwork == true;
        var policy = pod.Spec?.DnsPolicy ?? "ClusterFirst";
        var useCluster = policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && !hostNetwork);
        var config = new DNSConfig();
        if (policy != "None")
        {
            if (useCluster && options.ClusterDns.Count > 0)
            {
                var ns = pod.Metadata?.NamespaceProperty ?? "default";
                var domain = options.ClusterDomain.TrimEnd('.');
                config.Servers.AddRange(options.ClusterDns.Select(ip => ip.ToString()));
                config.Searches.AddRange(Distinct([$"{ns}.svc.{domain}", $"svc.{domain}", domain, .. host.Searches]));
                config.Options.Add("ndots:5");
            }
            else
            {
                // Default, ClusterFirst on the host network, or no cluster DNS configured: the node's resolvers.
                config.Servers.AddRange(host.Nameservers);
                config.Searches.AddRange(host.Searches);
                config.Options.AddRange(host.Options);
            }
        }

        if (pod.Spec?.DnsConfig is { } own)
        {
            var servers = Distinct([.. config.Servers, .. own.Nameservers ?? []]);
            var searches = Distinct([.. config.Searches, .. own.Searches ?? []]);
            var merged = MergeOptions([.. config.Options], own.Options ?? []);
            config = new DNSConfig();
            config.Servers.AddRange(servers);
            config.Searches.AddRange(searches);
            config.Options.AddRange(merged);
        }

        var limited = new DNSConfig();
        limited.Servers.AddRange(config.Servers.Take(MaxNameservers));
        limited.Searches.AddRange(config.Searches.Take(MaxSearches));
        limited.Options.AddRange(config.Options);
        return limited;
    }

    /// <summary>The sandbox's hostname: spec.hostname, else the pod name cut to 63 characters (without a trailing '-' or '.').</summary>
    public static string Hostname(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var name = string.IsNullOrEmpty(pod.Spec?.Hostname) ? pod.Metadata.Name : pod.Spec.Hostname;
        return name.Length <= MaxHostnameLength ? name : name[..MaxHostnameLength].TrimEnd('-', '.');
    }

    /// <summary>The pod's own domain when spec.subdomain is set: SUBDOMAIN.NS.svc.CLUSTER-DOMAIN (upstream's /etc/hosts FQDN).</summary>
    public static string? Domain(V1Pod pod, KubeletOptions options)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrEmpty(pod.Spec?.Subdomain)
            ? null
            : $"{pod.Spec.Subdomain}.{pod.Metadata.NamespaceProperty ?? "default"}.svc.{options.ClusterDomain.TrimEnd('.')}";
    }

    private static List<string> Distinct(IEnumerable<string> values) => [.. values.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>Options by name; a pod's option replaces one of the same name (upstream mergeDNSOptions).</summary>
    private static List<string> MergeOptions(List<string> existing, IEnumerable<V1PodDNSConfigOption> overrides)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        void Set(string name, string text)
        {
            if (!byName.ContainsKey(name))
            {
                order.Add(name);
            }

            byName[name] = text;
        }

        foreach (var option in existing)
        {
            Set(option.Split(':', 2)[0], option);
        }

        foreach (var option in overrides)
        {
            if (!string.IsNullOrEmpty(option.Name))
            {
                Set(option.Name, option.Value is null ? option.Name : $"{option.Name}:{option.Value}");
            }
        }

        return [.. order.Select(n => byName[n])];
    }
}
