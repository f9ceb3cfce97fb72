using System.Net;
using System.Net.Sockets;

namespace Timonel.Dns.Wire;

/// <summary>One question of a message; <see cref="Name"/> has no trailing dot ("" is the root).</summary>
public sealed record DnsQuestion(string Name, DnsType Type, ushort Class = DnsClass.IN);

/// <summary>A resource record. Names carry no trailing dot; each subtype writes its own RDATA.</summary>
public abstract record DnsRecord(string Name, uint Ttl)
{
    public abstract DnsType Type { get; }

    /// <summary>The record's class field (OPT reuses it as the UDP payload size).</summary>
    public virtual ushort Class => DnsClass.IN;

    internal abstract void WriteData(DnsWriter writer);
}

public sealed record ARecord(string Name, uint Ttl, IPAddress Address) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.A;

    internal override void WriteData(DnsWriter writer)
    {
        if (Address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"an A record needs an IPv4 address, not {Address}");
        }

        writer.WriteBytes(Address.GetAddressBytes());
    }
}

public sealed record AaaaRecord(string Name, uint Ttl, IPAddress Address) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.AAAA;

    internal override void WriteData(DnsWriter writer)
    {
        if (Address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"an AAAA record needs an IPv6 address, not {Address}");
        }

        writer.WriteBytes(Address.GetAddressBytes());
    }
}

public sealed record CnameRecord(string Name, uint Ttl, string Target) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.CNAME;

    internal override void WriteData(DnsWriter writer) => writer.WriteName(Target, compress: true);
}

public sealed record PtrRecord(string Name, uint Ttl, string Target) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.PTR;

    internal override void WriteData(DnsWriter writer) => writer.WriteName(Target, compress: true);
}

public sealed record NsRecord(string Name, uint Ttl, string Target) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.NS;

    internal override void WriteData(DnsWriter writer) => writer.WriteName(Target, compress: true);
}

public sealed record SrvRecord(string Name, uint Ttl, ushort Priority, ushort Weight, ushort Port, string Target) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.SRV;

    internal override void WriteData(DnsWriter writer)
    {
        writer.WriteUInt16(Priority);
        writer.WriteUInt16(Weight);
        writer.WriteUInt16(Port);
        // RFC 2782: the target is not compressed.
        writer.WriteName(Target, compress: false);
    }
}

public sealed record SoaRecord(string Name, uint Ttl, string PrimaryServer, string Mailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => DnsType.SOA;

    internal override void WriteData(DnsWriter writer)
    {
        writer.WriteName(PrimaryServer, compress: true);
        writer.WriteName(Mailbox, compress: true);
        writer.WriteUInt32(Serial);
        writer.WriteUInt32(Refresh);
        writer.WriteUInt32(Retry);
        writer.WriteUInt32(Expire);
        writer.WriteUInt32(Minimum);
    }
}

/// <summary>The EDNS(0) pseudo-record (RFC 6891): its class is the sender's UDP payload size; options are not kept.</summary>
public sealed record OptRecord(ushort UdpPayloadSize) : DnsRecord("", 0)
{
    public override DnsType Type => DnsType.OPT;

    public override ushort Class => UdpPayloadSize;

    internal override void WriteData(DnsWriter writer)
    {
    }
}

/// <summary>A record of a type Timonel does not interpret, kept as raw RDATA (names in it are not decompressed).</summary>
public sealed record RawRecord(string Name, uint Ttl, DnsType RawType, ushort RawClass, byte[] Data) : DnsRecord(Name, Ttl)
{
    public override DnsType Type => RawType;

    public override ushort Class => RawClass;

    internal override void WriteData(DnsWriter writer) => writer.WriteBytes(Data);
}
