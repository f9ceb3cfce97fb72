using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Timonel.Dns.Wire;

/// <summary>Reads wire format defensively: every bound is checked and a malformed packet throws <see cref="DnsFormatException"/>.</summary>
internal ref struct DnsReader
{
    private readonly ReadOnlySpan<byte> _packet;
    private int _position;

    public DnsReader(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
        _position = 0;
    }

    public readonly int Position => _position;

    public byte ReadByte()
    {
        Need(1);
        return _packet[_position++];
    }

    public ushort ReadUInt16()
    {
        Need(2);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_packet[_position..]);
        _position += 2;
        return value;
    }

    public uint ReadUInt32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_packet[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        Need(count);
        var value = _packet.Slice(_position, count);
        _position += count;
        return value;
    }

    /// <summary>Reads a possibly compressed name; pointers must point backwards, so loops are impossible.</summary>
    public string ReadName()
    {
        var builder = new StringBuilder();
        var position = _position;
        var resume = -1;
        var length = 1;
        while (true)
        {
            if (position >= _packet.Length)
            {
                throw new DnsFormatException("name runs past the end of the packet");
            }

            var len = _packet[position];
            if ((len & 0xC0) == 0xC0)
            {
                if (position + 1 >= _packet.Length)
                {
                    throw new DnsFormatException("name pointer runs past the end of the packet");
                }

                var target = ((len & 0x3F) << 8) | _packet[position + 1];
                if (target >= position)
                {
                    throw new DnsFormatException("name pointer does not point backwards");
                }

                if (resume < 0)
                {
                    resume = position + 2;
                }

                position = target;
                continue;
            }

            if ((len & 0xC0) != 0)
            {
                throw new DnsFormatException("unsupported label type");
            }

            position++;
            if (len == 0)
            {
                break;
            }

            if (position + len > _packet.Length)
            {
                throw new DnsFormatException("label runs past the end of the packet");
            }

            length += len + 1;
            if (length > 255)
            {
                throw new DnsFormatException("name is longer than 255 bytes");
            }

            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(Encoding.Latin1.GetString(_packet.Slice(position, len)));
            position += len;
        }

        _position = resume >= 0 ? resume : position;
        return builder.ToString();
    }

    public DnsQuestion ReadQuestion()
    {
        var name = ReadName();
        return new DnsQuestion(name, (DnsType)ReadUInt16(), ReadUInt16());
    }

    public DnsRecord ReadRecord()
    {
        var name = ReadName();
        var type = (DnsType)ReadUInt16();
        var cls = ReadUInt16();
        var ttl = ReadUInt32();
        var dataLength = ReadUInt16();
        Need(dataLength);
        var end = _position + dataLength;
        DnsRecord record = type switch
        {
            DnsType.A when dataLength == 4 => new ARecord(name, ttl, new IPAddress(ReadBytes(4))),
            DnsType.AAAA when dataLength == 16 => new AaaaRecord(name, ttl, new IPAddress(ReadBytes(16))),
            DnsType.CNAME => new CnameRecord(name, ttl, ReadName()),
            DnsType.PTR => new PtrRecord(name, ttl, ReadName()),
            DnsType.NS => new NsRecord(name, ttl, ReadName()),
            DnsType.SRV => new SrvRecord(name, ttl, ReadUInt16(), ReadUInt16(), ReadUInt16(), ReadName()),
            DnsType.SOA => new SoaRecord(name, ttl, ReadName(), ReadName(), ReadUInt32(), ReadUInt32(), ReadUInt32(), ReadUInt32(), ReadUInt32()),
            DnsType.OPT => new OptRecord(cls),
            DnsType.A or DnsType.AAAA => throw new DnsFormatException($"{type} record with {dataLength} bytes of data"),
            _ => new RawRecord(name, ttl, type, cls, ReadBytes(dataLength).ToArray()),
        };
        if (_position != end)
        {
            if (_position > end || type is DnsType.CNAME or DnsType.PTR or DnsType.NS or DnsType.SRV or DnsType.SOA)
            {
                throw new DnsFormatException($"{type} record data does not match its length");
            }

            _position = end;
        }

        return record;
    }

    private readonly void Need(int count)
    {
        if (count < 0 || _position + count > _packet.Length)
        {
            throw new DnsFormatException("packet is shorter than its contents say");
        }
    }
}
