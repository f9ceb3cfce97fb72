using Timonel.Dns.Wire;

namespace Timonel.Dns.Cluster;

/// <summary>
/// What the cluster zone says about one question: records, or a negative answer (NXDOMAIN: the
/// name does not exist; NODATA: NoError with no answer, the name exists but not with this type).
/// </summary>
public sealed record ZoneAnswer(DnsRcode Rcode, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Additionals)
{
    public static ZoneAnswer NxDomain { get; } = new(DnsRcode.NXDomain, [], []);

    public static ZoneAnswer NoData { get; } = new(DnsRcode.NoError, [], []);

    public bool IsNegative => Answers.Count == 0;

    public static ZoneAnswer Of(IReadOnlyList<DnsRecord> answers, IReadOnlyList<DnsRecord>? additionals = null) =>
        answers.Count == 0 ? NoData : new(DnsRcode.NoError, answers, additionals ?? []);
}
