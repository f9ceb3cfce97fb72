using System.Text;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>A tiny protobuf writer: enough to build test messages field by field.</summary>
internal static class ProtoWriter
{
    public static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [0x6b, 0x38, 0x73, 0x00, .. Msg(Msg(1, Str(1, apiVersion), Str(2, kind)), Bytes(2, raw))];

    public static byte[] Msg(params byte[][] fields) => fields.SelectMany(f => f).ToArray();

    public static byte[] Msg(int number, params byte[][] fields) => Bytes(number, Msg(fields));

    public static byte[] Field(int number, byte[] message) => Bytes(number, message);

    public static byte[] Str(int number, string value) => Bytes(number, Encoding.UTF8.GetBytes(value));

    public static byte[] Bytes(int number, byte[] value) => [.. VarintBytes((ulong)((number << 3) | 2)), .. VarintBytes((ulong)value.Length), .. value];

    public static byte[] Varint(int number, ulong value) => [.. VarintBytes((ulong)(number << 3)), .. VarintBytes(value)];

    public static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return bytes.ToArray();
    }
}
