using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The names the serving certificate must carry: loopback, this machine, the in-cluster names of
/// the "kubernetes" Service and its ClusterIP, plus whatever the operator adds (--tls-san).
/// </summary>
public sealed class SubjectAltNames
{
    /// <summary>The first address of the default service CIDR 10.43.0.0/16: the "kubernetes" Service.</summary>
    public static readonly IPAddress KubernetesServiceIp = IPAddress.Parse("10.43.0.1");

    private static readonly string[] BuiltInDnsNames =
        ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];

    private static readonly IPAddress[] BuiltInIps = [IPAddress.Loopback, IPAddress.IPv6Loopback, KubernetesServiceIp];

    private SubjectAltNames(IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> ipAddresses)
    {
        DnsNames = dnsNames;
        IpAddresses = ipAddresses;
    }

    /// <summary>Lower-case DNS names, without duplicates.</summary>
    public IReadOnlyList<string> DnsNames { get; }

    public IReadOnlyList<IPAddress> IpAddresses { get; }

    /// <summary>
    /// The built-in names plus <paramref name="hostname"/> and <paramref name="extras"/>; an extra
    /// that parses as an IP address becomes an IP SAN, anything else a DNS SAN.
    /// </summary>
    /// <exception cref="ArgumentException">An extra is neither an IP address nor a DNS name.</exception>
    public static SubjectAltNames Create(string? hostname, IEnumerable<string> extras)
    {
        var dns = new List<string>(BuiltInDnsNames);
        var ips = new List<IPAddress>(BuiltInIps);
        if (hostname is not null && IsDnsName(hostname))
        {
            Add(dns, hostname.ToLowerInvariant());
        }

        foreach (var raw in extras)
        {
            var extra = raw.Trim();
            if (IPAddress.TryParse(extra, out var ip))
            {
                if (!ips.Contains(ip))
                {
                    ips.Add(ip);
                }
            }
            else if (IsDnsName(extra))
            {
                Add(dns, extra.ToLowerInvariant());
            }
            else
            {
                throw new ArgumentException($"invalid TLS SAN \"{raw}\": must be an IP address or a DNS name such as api.example.com or *.example.com", nameof(extras));
            }
        }

        return new SubjectAltNames(dns, ips);
    }

    public X509Extension ToExtension()
    {
        var builder = new SubjectAlternativeNameBuilder();
        foreach (var name in DnsNames)
        {
            builder.AddDnsName(name);
        }

        foreach (var ip in IpAddresses)
        {
            builder.AddIpAddress(ip);
        }

        return builder.Build();
    }

    /// <summary>True when <paramref name="certificate"/> carries every one of these names.</summary>
    public bool AreCoveredBy(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null)
        {
            return false;
        }

        var dns = new HashSet<string>(extension.EnumerateDnsNames(), StringComparer.OrdinalIgnoreCase);
        var ips = new HashSet<IPAddress>(extension.EnumerateIPAddresses());
        return DnsNames.All(dns.Contains) && IpAddresses.All(ips.Contains);
    }

    private static void Add(List<string> names, string name)
    {
        if (!names.Contains(name))
        {
            names.Add(name);
        }
    }

    /// <summary>Labels of letters, digits, '-' and '_' (hostnames in the wild), optionally led by "*.".</summary>
    private static bool IsDnsName(string name)
    {
        var body = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        if (body.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in body.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
