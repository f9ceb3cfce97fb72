namespace Timonel.Dns.Wire;

/// <summary>A DNS message (RFC 1035 section 4): header flags and the four sections.</summary>
public sealed class DnsMessage
{
    /// <summary>The size every UDP client accepts without EDNS(0).</summary>
    public const int ClassicUdpSize = 512;

    private const int HeaderSize = 12;

    public ushort Id { get; set; }

    public bool IsResponse { get; set; }

    public byte Opcode { get; set; }

    public bool Authoritative { get; set; }

    public bool Truncated { get; set; }

    public bool RecursionDesired { get; set; }

    public bool RecursionAvailable { get; set; }

    public DnsRcode Rcode { get; set; }

    public List<DnsQuestion> Questions { get; } = [];

    public List<DnsRecord> Answers { get; } = [];

    public List<DnsRecord> Authorities { get; } = [];

    public List<DnsRecord> Additionals { get; } = [];

    /// <summary>The EDNS(0) record of the additional section, if any.</summary>
    public OptRecord? Opt => Additionals.OfType<OptRecord>().FirstOrDefault();

    /// <summary>A response to <paramref name="query"/>: same id, opcode, RD and question.</summary>
    public static DnsMessage ResponseTo(DnsMessage query, DnsRcode rcode)
    {
        ArgumentNullException.ThrowIfNull(query);
        var response = new DnsMessage
        {
            Id = query.Id,
            IsResponse = true,
            Opcode = query.Opcode,
            RecursionDesired = query.RecursionDesired,
            RecursionAvailable = true,
            Rcode = rcode,
        };
        response.Questions.AddRange(query.Questions);
        return response;
    }

    /// <exception cref="DnsFormatException">The packet is not a well-formed message.</exception>
    public static DnsMessage Decode(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderSize)
        {
            throw new DnsFormatException($"packet of {packet.Length} bytes is shorter than a DNS header");
        }

        var reader = new DnsReader(packet);
        var message = new DnsMessage { Id = reader.ReadUInt16() };
        var flags = reader.ReadUInt16();
        message.IsResponse = (flags & 0x8000) != 0;
        message.Opcode = (byte)((flags >> 11) & 0xF);
        message.Authoritative = (flags & 0x0400) != 0;
        message.Truncated = (flags & 0x0200) != 0;
        message.RecursionDesired = (flags & 0x0100) != 0;
        message.RecursionAvailable = (flags & 0x0080) != 0;
        message.Rcode = (DnsRcode)(flags & 0xF);
        int questions = reader.ReadUInt16(), answers = reader.ReadUInt16(), authorities = reader.ReadUInt16(), additionals = reader.ReadUInt16();
        for (var i = 0; i < questions; i++)
        {
            message.Questions.Add(reader.ReadQuestion());
        }

        ReadSection(ref reader, answers, message.Answers);
        ReadSection(ref reader, authorities, message.Authorities);
        ReadSection(ref reader, additionals, message.Additionals);
        return message;
    }

    /// <summary>The message in wire format.</summary>
    /// <exception cref="ArgumentException">A name or address cannot be encoded.</exception>
    public byte[] Encode()
    {
        var writer = new DnsWriter();
        writer.WriteUInt16(Id);
        var flags = (IsResponse ? 0x8000 : 0) | ((Opcode & 0xF) << 11) | (Authoritative ? 0x0400 : 0) | (Truncated ? 0x0200 : 0)
            | (RecursionDesired ? 0x0100 : 0) | (RecursionAvailable ? 0x0080 : 0) | ((int)Rcode & 0xF);
        writer.WriteUInt16((ushort)flags);
        writer.WriteUInt16((ushort)Questions.Count);
        writer.WriteUInt16((ushort)Answers.Count);
        writer.WriteUInt16((ushort)Authorities.Count);
        writer.WriteUInt16((ushort)Additionals.Count);
        foreach (var question in Questions)
        {
            writer.WriteName(question.Name, compress: true);
            writer.WriteUInt16((ushort)question.Type);
            writer.WriteUInt16(question.Class);
        }

        foreach (var record in Answers.Concat(Authorities).Concat(Additionals))
        {
            writer.WriteName(record.Name, compress: true);
            writer.WriteUInt16((ushort)record.Type);
            writer.WriteUInt16(record.Class);
            writer.WriteUInt32(record.Ttl);
            var lengthAt = writer.Length;
            writer.WriteUInt16(0);
            record.WriteData(writer);
            writer.PatchUInt16(lengthAt, (ushort)(writer.Length - lengthAt - 2));
        }

        return writer.ToArray();
    }

    /// <summary>
    /// The response encoded to fit <paramref name="limit"/> bytes: when it does not, the records
    /// are dropped and TC is set, so the client retries over TCP (RFC 2181 section 9).
    /// </summary>
    public byte[] EncodeTruncated(int limit)
    {
        var full = Encode();
        if (full.Length <= limit)
        {
            return full;
        }

        var cut = new DnsMessage
        {
            Id = Id,
            IsResponse = IsResponse,
            Opcode = Opcode,
            Authoritative = Authoritative,
            Truncated = true,
            RecursionDesired = RecursionDesired,
            RecursionAvailable = RecursionAvailable,
            Rcode = Rcode,
        };
        cut.Questions.AddRange(Questions);
        if (Opt is { } opt)
        {
            cut.Additionals.Add(opt);
        }

        return cut.Encode();
    }

    private static void ReadSection(ref DnsReader reader, int count, List<DnsRecord> section)
    {
        for (var i = 0; i < count; i++)
        {
            section.Add(reader.ReadRecord());
        }
    }
}
