using System.Buffers.Binary;
using System.Text;

namespace Timonel.Dns.Wire;

/// <summary>Writes a message in wire format, compressing repeated name suffixes with pointers (RFC 1035 4.1.4).</summary>
internal sealed class DnsWriter
{
    private const int MaxPointerOffset = 0x3FFF;
    private readonly List<byte> _bytes = new(512);
    private readonly Dictionary<string, int> _suffixes = new(StringComparer.OrdinalIgnoreCase);

    public int Length => _bytes.Count;

    public byte[] ToArray() => [.. _bytes];

    public void WriteByte(byte value) => _bytes.Add(value);

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            _bytes.Add(b);
        }
    }

    public void WriteUInt16(ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        WriteBytes(buffer);
    }

    public void WriteUInt32(uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        WriteBytes(buffer);
    }

    /// <summary>Overwrites two bytes written earlier (RDLENGTH once the data is known).</summary>
    public void PatchUInt16(int offset, ushort value)
    {
        _bytes[offset] = (byte)(value >> 8);
        _bytes[offset + 1] = (byte)value;
    }

    /// <exception cref="ArgumentException">A label is empty or longer than 63 bytes, or the name longer than 255.</exception>
    public void WriteName(string name, bool compress)
    {
        var labels = name.Length == 0 ? [] : name.TrimEnd('.').Split('.');
        var total = 1;
        for (var i = 0; i < labels.Length; i++)
        {
            var suffix = string.Join('.', labels, i, labels.Length - i);
            if (compress && _suffixes.TryGetValue(suffix, out var pointer))
            {
                WriteUInt16((ushort)(0xC000 | pointer));
                return;
            }

            var bytes = Encoding.Latin1.GetBytes(labels[i]);
            if (bytes.Length is 0 or > 63)
            {
                throw new ArgumentException($"DNS name \"{name}\" has an empty label or one longer than 63 bytes");
            }

            total += bytes.Length + 1;
            if (total > 255)
            {
                throw new ArgumentException($"DNS name \"{name}\" is longer than 255 bytes");
            }

            if (_bytes.Count <= MaxPointerOffset)
            {
                _suffixes.TryAdd(suffix, _bytes.Count);
            }

            WriteByte((byte)bytes.Length);
            WriteBytes(bytes);
        }

        WriteByte(0);
    }
}
