namespace Timonel.Dns.Wire;

/// <summary>Resource record types Timonel reads or writes (RFC 1035, 2782, 3596, 6891).</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    ANY = 255,
}

/// <summary>Response codes (RFC 1035 section 4.1.1).</summary>
public enum DnsRcode : byte
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
}

/// <summary>The classes a message may name; only IN is served.</summary>
public static class DnsClass
{
    public const ushort IN = 1;
}
