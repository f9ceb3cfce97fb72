using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Timonel.Dns.Wire;

namespace Timonel.Dns.Cluster;

/// <summary>
/// Answers names of the cluster zone as CoreDNS's kubernetes plugin does:
/// <list type="bullet">
/// <item><c>svc.ns.svc.zone</c>: the ClusterIPs; for a headless Service its ready endpoint addresses; an ExternalName Service is a CNAME.</item>
/// <item><c>_port._proto.svc.ns.svc.zone</c>: SRV per named port; <c>svc.ns.svc.zone</c> SRV lists every port.</item>
/// <item><c>host.svc.ns.svc.zone</c>: a headless Service's endpoint by hostname (StatefulSet pods) or dashed IP.</item>
/// <item><c>a-b-c-d.ns.pod.zone</c>: a pod IP; <c>ns.dns.zone</c>: the DNS Service's IP.</item>
/// <item>PTR in in-addr.arpa / ip6.arpa for ClusterIPs and headless endpoints (others fall through to upstream).</item>
/// </list>
/// </summary>
public sealed class ClusterZone(IClusterDirectory directory, ClusterDnsOptions options)
{
    private readonly string _zone = options.Zone;
    private readonly uint _ttl = options.Ttl;
    private readonly uint _serial = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public string Zone => _zone;

    /// <summary>True when <paramref name="name"/> is the zone or under it.</summary>
    public bool Contains(string name)
    {
        var n = Normalize(name);
        return n == _zone || n.EndsWith("." + _zone, StringComparison.Ordinal);
    }

    /// <summary>The SOA that goes in the authority section of negative answers.</summary>
    public SoaRecord Soa => new(_zone, _ttl, "ns.dns." + _zone, "hostmaster." + _zone, _serial, 7200, 1800, 86400, _ttl);

    /// <summary>Answers a question under the zone (call <see cref="Contains"/> first).</summary>
    public ZoneAnswer Answer(DnsQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var name = Normalize(question.Name);
        if (name == _zone)
        {
            return question.Type switch
            {
                DnsType.SOA => ZoneAnswer.Of([Soa]),
                DnsType.NS => ZoneAnswer.Of([new NsRecord(question.Name, _ttl, "ns.dns." + _zone)], DnsServiceRecords("ns.dns." + _zone, DnsType.A)),
                _ => ZoneAnswer.NoData,
            };
        }

        var labels = name[..^(_zone.Length + 1)].Split('.');
        return labels[^1] switch
        {
            "svc" => AnswerService(question, labels[..^1]),
            "pod" => AnswerPod(question, labels[..^1]),
            "dns" when labels.Length == 1 => ZoneAnswer.NoData,
            "dns" when labels is ["ns", "dns"] => Records(DnsServiceRecords(question.Name, question.Type), exists: true),
            _ => ZoneAnswer.NxDomain,
        };
    }

    /// <summary>The PTR for a reverse name of a ClusterIP or a headless endpoint; null when the cluster does not own the address.</summary>
    public ZoneAnswer? AnswerReverse(DnsQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (ReverseName.Parse(question.Name) is not { } ip)
        {
            return null;
        }

        var targets = new List<string>();
        foreach (var svc in directory.ServicesWithClusterIp(ip))
        {
            targets.Add($"{svc.Metadata.Name}.{svc.Metadata.NamespaceProperty}.svc.{_zone}");
        }

        foreach (var slice in directory.SlicesWithAddress(ip))
        {
            if (ServiceNameOf(slice) is { } svcName && directory.GetService(slice.Metadata.NamespaceProperty, svcName) is { } svc && IsHeadless(svc))
            {
                foreach (var ep in (slice.Endpoints ?? []).Where(e => (e.Addresses ?? []).Any(a => SameIp(a, ip))))
                {
                    targets.Add($"{EndpointLabel(ep, ip)}.{svcName}.{slice.Metadata.NamespaceProperty}.svc.{_zone}");
                }
            }
        }

        if (targets.Count == 0)
        {
            return null;
        }

        return question.Type is DnsType.PTR or DnsType.ANY
            ? ZoneAnswer.Of([.. targets.Distinct(StringComparer.Ordinal).Select(t => new PtrRecord(question.Name, _ttl, t))])
            : ZoneAnswer.NoData;
    }

    private ZoneAnswer AnswerService(DnsQuestion question, string[] labels)
    {
        switch (labels.Length)
        {
            case 0:
                return ZoneAnswer.NoData;
            case 1:
                return directory.NamespaceExists(labels[0]) ? ZoneAnswer.NoData : ZoneAnswer.NxDomain;
        }

        var ns = labels[^1];
        var service = directory.GetService(ns, labels[^2]);
        if (service is null)
        {
            return ZoneAnswer.NxDomain;
        }

        return labels.Length switch
        {
            2 => AnswerServiceName(question, service),
            3 => AnswerEndpointName(question, service, labels[0]),
            4 when labels[0].StartsWith('_') && labels[1].StartsWith('_') => AnswerPortName(question, service, labels[0][1..], labels[1][1..]),
            _ => ZoneAnswer.NxDomain,
        };
    }

    private ZoneAnswer AnswerServiceName(DnsQuestion question, V1Service service)
    {
        if (service.Spec?.Type == "ExternalName")
        {
            var target = service.Spec.ExternalName?.TrimEnd('.');
            return string.IsNullOrEmpty(target) ? ZoneAnswer.NxDomain : ZoneAnswer.Of([new CnameRecord(question.Name, _ttl, target)]);
        }

        if (!IsHeadless(service))
        {
            var ips = ClusterIps(service);
            if (question.Type == DnsType.SRV)
            {
                var ports = service.Spec?.Ports ?? [];
                return Records(
                    [.. ports.Select(p => new SrvRecord(question.Name, _ttl, 0, Weight(ports.Count), (ushort)p.Port, FqdnOf(service)))],
                    [.. AddressRecords(FqdnOf(service), ips, DnsType.A), .. AddressRecords(FqdnOf(service), ips, DnsType.AAAA)],
                    exists: true);
            }

            return Records(AddressRecords(question.Name, ips, question.Type), exists: true);
        }

        var endpoints = ReadyEndpoints(service).ToList();
        if (endpoints.Count == 0)
        {
            // CoreDNS: a headless Service without ready endpoints has no records at all.
            return ZoneAnswer.NxDomain;
        }

        if (question.Type == DnsType.SRV)
        {
            var srv = new List<DnsRecord>();
            var extra = new List<DnsRecord>();
            var count = endpoints.Sum(e => e.Ports.Count);
            foreach (var (ep, ip, ports) in endpoints)
            {
                var target = $"{EndpointLabel(ep, ip)}.{FqdnOf(service)}";
                srv.AddRange(ports.Where(p => p.Port is not null).Select(p => new SrvRecord(question.Name, _ttl, 0, Weight(count), (ushort)p.Port!.Value, target)));
                extra.AddRange(AddressRecords(target, [ip], ip.AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA));
            }

            return Records(srv, extra, exists: true);
        }

        return Records(AddressRecords(question.Name, [.. endpoints.Select(e => e.Ip)], question.Type), exists: true);
    }

    private ZoneAnswer AnswerEndpointName(DnsQuestion question, V1Service service, string label)
    {
        if (!IsHeadless(service) || service.Spec?.Type == "ExternalName")
        {
            return ZoneAnswer.NxDomain;
        }

        var ips = ReadyEndpoints(service).Where(e => EndpointLabel(e.Endpoint, e.Ip) == label).Select(e => e.Ip).ToList();
        return ips.Count == 0 ? ZoneAnswer.NxDomain : Records(AddressRecords(question.Name, ips, question.Type), exists: true);
    }

    private ZoneAnswer AnswerPortName(DnsQuestion question, V1Service service, string portName, string protocol)
    {
        if (service.Spec?.Type == "ExternalName")
        {
            return ZoneAnswer.NxDomain;
        }

        bool Matches(string? name, string? proto) =>
            string.Equals(name, portName, StringComparison.OrdinalIgnoreCase) && string.Equals(proto ?? "TCP", protocol, StringComparison.OrdinalIgnoreCase);

        var srv = new List<DnsRecord>();
        var extra = new List<DnsRecord>();
        if (!IsHeadless(service))
        {
            var ports = (service.Spec?.Ports ?? []).Where(p => Matches(p.Name, p.Protocol)).ToList();
            var ips = ClusterIps(service);
            srv.AddRange(ports.Select(p => new SrvRecord(question.Name, _ttl, 0, Weight(ports.Count), (ushort)p.Port, FqdnOf(service))));
            if (ports.Count > 0)
            {
                extra.AddRange([.. AddressRecords(FqdnOf(service), ips, DnsType.A), .. AddressRecords(FqdnOf(service), ips, DnsType.AAAA)]);
            }
        }
        else
        {
            var matches = ReadyEndpoints(service).SelectMany(e => e.Ports.Where(p => p.Port is not null && Matches(p.Name, p.Protocol)).Select(p => (e.Endpoint, e.Ip, Port: p.Port!.Value))).ToList();
            foreach (var (ep, ip, port) in matches)
            {
                var target = $"{EndpointLabel(ep, ip)}.{FqdnOf(service)}";
                srv.Add(new SrvRecord(question.Name, _ttl, 0, Weight(matches.Count), (ushort)port, target));
                extra.AddRange(AddressRecords(target, [ip], ip.AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA));
            }
        }

        if (srv.Count == 0)
        {
            return ZoneAnswer.NxDomain;
        }

        return question.Type is DnsType.SRV or DnsType.ANY ? ZoneAnswer.Of(srv, extra) : ZoneAnswer.NoData;
    }

    private ZoneAnswer AnswerPod(DnsQuestion question, string[] labels)
    {
        switch (labels.Length)
        {
            case 0:
                return ZoneAnswer.NoData;
            case 1:
                return directory.NamespaceExists(labels[0]) ? ZoneAnswer.NoData : ZoneAnswer.NxDomain;
            case 2 when options.PodRecords != PodRecordMode.Disabled && ParseDashedIp(labels[0]) is { } ip:
                var known = options.PodRecords == PodRecordMode.Insecure || directory.PodHasIp(labels[1], ip);
                return known ? Records(AddressRecords(question.Name, [ip], question.Type), exists: true) : ZoneAnswer.NxDomain;
            default:
                return ZoneAnswer.NxDomain;
        }
    }

    private IReadOnlyList<DnsRecord> DnsServiceRecords(string name, DnsType type) =>
        directory.GetService(options.DnsServiceNamespace, options.DnsServiceName) is { } svc && !IsHeadless(svc)
            ? AddressRecords(name, ClusterIps(svc), type)
            : [];

    /// <summary>Records for a name that exists: an empty set is NODATA.</summary>
    private static ZoneAnswer Records(IReadOnlyList<DnsRecord> answers, IReadOnlyList<DnsRecord>? additionals = null, bool exists = true) =>
        answers.Count > 0 || exists ? ZoneAnswer.Of(answers, additionals) : ZoneAnswer.NxDomain;

    private List<DnsRecord> AddressRecords(string name, IReadOnlyList<IPAddress> ips, DnsType type)
    {
        var want = type switch
        {
            DnsType.A => AddressFamily.InterNetwork,
            DnsType.AAAA => AddressFamily.InterNetworkV6,
            DnsType.ANY => AddressFamily.Unspecified,
            _ => (AddressFamily?)null,
        };
        if (want is null)
        {
            return [];
        }

        return [.. ips.Where(ip => want == AddressFamily.Unspecified || ip.AddressFamily == want).Distinct()
            .Select(ip => ip.AddressFamily == AddressFamily.InterNetwork ? (DnsRecord)new ARecord(name, _ttl, ip) : new AaaaRecord(name, _ttl, ip))];
    }

    private IEnumerable<(V1Endpoint Endpoint, IPAddress Ip, IList<Discoveryv1EndpointPort> Ports)> ReadyEndpoints(V1Service service)
    {
        var seen = new HashSet<IPAddress>();
        foreach (var slice in directory.SlicesOf(service.Metadata.NamespaceProperty, service.Metadata.Name).OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            if (slice.AddressType is not ("IPv4" or "IPv6"))
            {
                continue;
            }

            foreach (var ep in slice.Endpoints ?? [])
            {
                // As upstream consumers read it: a missing ready condition means ready.
                if (ep.Conditions?.Ready == false)
                {
                    continue;
                }

                foreach (var text in ep.Addresses ?? [])
                {
                    if (IPAddress.TryParse(text, out var ip) && seen.Add(ip))
                    {
                        yield return (ep, ip, slice.Ports ?? []);
                    }
                }
            }
        }
    }

    private string FqdnOf(V1Service service) => $"{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc.{_zone}";

    private static ushort Weight(int count) => (ushort)(count == 0 ? 0 : Math.Max(1, 100 / count));

    private static bool IsHeadless(V1Service service) => service.Spec?.ClusterIP == "None";

    private static List<IPAddress> ClusterIps(V1Service service)
    {
        var texts = service.Spec?.ClusterIPs is { Count: > 0 } list ? list : service.Spec?.ClusterIP is { } one ? [one] : [];
        return [.. texts.Select(t => IPAddress.TryParse(t, out var ip) ? ip : null).OfType<IPAddress>()];
    }

    private static string? ServiceNameOf(V1EndpointSlice slice) =>
        slice.Metadata.Labels is { } labels && labels.TryGetValue(InformerDirectory.ServiceNameLabel, out var name) ? name : null;

    /// <summary>The endpoint's own DNS label: its hostname (StatefulSet pods), else its address with dashes.</summary>
    private static string EndpointLabel(V1Endpoint endpoint, IPAddress ip) =>
        string.IsNullOrEmpty(endpoint.Hostname) ? DashedIp(ip) : endpoint.Hostname.ToLowerInvariant();

    private static string DashedIp(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetwork ? ip.ToString().Replace('.', '-') : ip.ToString().Replace(':', '-');

    private static IPAddress? ParseDashedIp(string label)
    {
        if (label.Count(c => c == '-') == 3 && IPAddress.TryParse(label.Replace('-', '.'), out var v4) && v4.AddressFamily == AddressFamily.InterNetwork
            && label.Split('-').All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
        {
            return v4;
        }

        return label.Contains("--", StringComparison.Ordinal) || label.Count(c => c == '-') >= 2
            ? IPAddress.TryParse(label.Replace('-', ':'), out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : null
            : null;
    }

    private static bool SameIp(string text, IPAddress ip) => IPAddress.TryParse(text, out var parsed) && parsed.Equals(ip);

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    /// <summary>Parses an in-addr.arpa or ip6.arpa name back to the address it names.</summary>
    internal static class ReverseName
    {
        public static IPAddress? Parse(string name)
        {
            var n = Normalize(name);
            if (n.EndsWith(".in-addr.arpa", StringComparison.Ordinal))
            {
                var parts = n[..^".in-addr.arpa".Length].Split('.');
                if (parts.Length != 4 || !parts.All(p => byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                {
                    return null;
                }

                return new IPAddress([.. parts.Reverse().Select(p => byte.Parse(p, CultureInfo.InvariantCulture))]);
            }

            if (n.EndsWith(".ip6.arpa", StringComparison.Ordinal))
            {
                var nibbles = n[..^".ip6.arpa".Length].Split('.');
                if (nibbles.Length != 32 || !nibbles.All(x => x.Length == 1 && char.IsAsciiHexDigit(x[0])))
                {
                    return null;
                }

                var hex = string.Concat(nibbles.Reverse());
                return new IPAddress(Convert.FromHexString(hex));
            }

            return null;
        }
    }
}
