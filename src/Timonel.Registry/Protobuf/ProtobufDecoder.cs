using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;

namespace Timonel.Registry.Protobuf;

/// <summary>
/// Decodes application/vnd.kubernetes.protobuf request bodies (what kubectl 1.32+ and
/// client-go typed clients send for built-in kinds) into the same JSON a JSON client would
/// have sent: the "k8s\0" envelope holds a runtime.Unknown with the type and the raw message.
/// </summary>
public sealed class ProtobufDecoder(ProtoSchema schema)
{
    private const string TimeMessage = "k8s.io.apimachinery.pkg.apis.meta.v1.Time";
    private const string MicroTimeMessage = "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime";
    private const long ZeroTimeSeconds = -62135596800; // Go's zero time.Time

    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiException.BadRequest("the protobuf body does not start with the Kubernetes envelope (\"k8s\\x00\")");
        }

        try
        {
            string apiVersion = "", kind = "";
            ReadOnlySpan<byte> raw = default;
            var reader = new WireReader(body[Magic.Length..]);
            while (reader.Next(out var number, out var wireType))
            {
                switch (number, wireType)
                {
                    case (1, 2):
                        var typeMeta = new WireReader(reader.Bytes());
                        while (typeMeta.Next(out var n, out var w))
                        {
                            if (n == 1 && w == 2) apiVersion = Encoding.UTF8.GetString(typeMeta.Bytes());
                            else if (n == 2 && w == 2) kind = Encoding.UTF8.GetString(typeMeta.Bytes());
                            else typeMeta.Skip(w);
                        }

                        break;
                    case (2, 2):
                        raw = reader.Bytes();
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }

            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
            var message = schema.MessageForKind(group, version, kind)
                ?? throw ApiException.BadRequest($"cannot decode a protobuf body of kind \"{kind}\" in \"{apiVersion}\": send it as application/json");
            var obj = (JsonObject)DecodeMessage(raw, message, depth: 1)!;
            var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
            foreach (var (k, v) in obj.ToList())
            {
                obj.Remove(k);
                result[k] = v;
            }

            return result;
        }
        catch (InvalidDataException e)
        {
            throw ApiException.BadRequest($"the protobuf body is malformed: {e.Message}");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the protobuf body is malformed: an embedded JSON object is not valid JSON: {e.Message}");
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or FormatException or OverflowException or InvalidOperationException or InvalidCastException)
        {
            // The reader checks bounds itself; these are the last line, and their messages
            // would name .NET internals.
            throw ApiException.BadRequest("the protobuf body is malformed: a value is out of range or cut short");
        }
    }

    private JsonNode? DecodeMessage(ReadOnlySpan<byte> data, string message, int depth)
    {
        if (depth > DecodeLimits.MaxDepth)
        {
            throw new InvalidDataException($"exceeded max depth of {DecodeLimits.MaxDepth}");
        }

        switch (message)
        {
            case TimeMessage or MicroTimeMessage:
                return DecodeTime(data, message == MicroTimeMessage);
            case "k8s.io.apimachinery.pkg.api.resource.Quantity":
                return FirstString(data, 1) ?? "0";
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
                return DecodeIntOrString(data);
            case "k8s.io.apimachinery.pkg.runtime.RawExtension" or "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1":
                var rawJson = FirstBytes(data, 1);
                return rawJson.Length == 0 ? null : JsonNode.Parse(JsonUnicode.Repair(rawJson), documentOptions: DecodeLimits.JsonOptions);
        }

        var fields = schema.Message(message) ?? throw new InvalidDataException($"no schema for message {message}");
        var obj = new JsonObject();
        var reader = new WireReader(data);
        while (reader.Next(out var number, out var wireType))
        {
            if (!fields.TryGetValue(number, out var field))
            {
                reader.Skip(wireType);
                continue;
            }

            if (field.IsMap)
            {
                var map = obj[field.JsonName] as JsonObject ?? [];
                obj[field.JsonName] = map;
                var entry = new WireReader(reader.Bytes());
                string key = "";
                JsonNode? value = null;
                while (entry.Next(out var n, out var w))
                {
                    if (n == 1) key = Encoding.UTF8.GetString(entry.Bytes());
                    else if (n == 2) value = ReadValue(ref entry, w, field, depth);
                    else entry.Skip(w);
                }

                map[key] = value ?? ZeroOf(field.Type);
                continue;
            }

            if (field.IsRepeated)
            {
                var list = obj[field.JsonName] as JsonArray ?? [];
                obj[field.JsonName] = list;
                if (wireType == 2 && IsPackable(field.Type))
                {
                    var packed = new WireReader(reader.Bytes());
                    while (!packed.AtEnd)
                    {
                        list.Add(ReadScalar(ref packed, field.Type == "double" ? 1 : field.Type == "float" ? 5 : 0, field.Type));
                    }
                }
                else
                {
                    list.Add(ReadValue(ref reader, wireType, field, depth));
                }

                continue;
            }

            var decoded = ReadValue(ref reader, wireType, field, depth);
            if (field.IsInline && decoded is JsonObject inner)
            {
                foreach (var (k, v) in inner.ToList())
                {
                    inner.Remove(k);
                    obj[k] = v;
                }
            }
            else
            {
                obj[field.JsonName] = decoded;
            }
        }

        // Go's encoding/json drops zero values of omitempty value fields; protobuf wrote them.
        foreach (var field in fields.Values.Where(f => f.OmitZero))
        {
            if (obj.TryGetPropertyValue(field.JsonName, out var v) && IsZero(v))
            {
                obj.Remove(field.JsonName);
            }
        }

        return obj;
    }

    private JsonNode? ReadValue(ref WireReader reader, int wireType, ProtoField field, int depth)
    {
        if (field.Type is not ("int32" or "int64" or "bool" or "double" or "float") && wireType != 2)
        {
            throw new InvalidDataException($"proto: wrong wireType = {wireType} for field {field.JsonName}");
        }

        return field.Type switch
        {
            "string" => Encoding.UTF8.GetString(reader.Bytes()),
            "bytes" => Convert.ToBase64String(reader.Bytes()),
            "int32" or "int64" or "bool" or "double" or "float" => ReadScalar(ref reader, wireType, field.Type),
            _ => DecodeMessage(reader.Bytes(), field.Type, depth + 1),
        };
    }

    private static JsonNode ReadScalar(ref WireReader reader, int wireType, string type) => type switch
    {
        "int32" when wireType == 0 => JsonValue.Create((int)reader.Varint()),
        "int64" when wireType == 0 => JsonValue.Create((long)reader.Varint()),
        "bool" when wireType == 0 => JsonValue.Create(reader.Varint() != 0),
        "double" when wireType == 1 => JsonValue.Create(BitConverter.Int64BitsToDouble((long)reader.Fixed64())),
        "float" when wireType == 5 => JsonValue.Create((double)BitConverter.Int32BitsToSingle((int)reader.Fixed32())),
        _ => throw new InvalidDataException($"proto: wrong wireType = {wireType} for a field of type {type}"),
    };

    private static bool IsPackable(string type) => type is "int32" or "int64" or "bool" or "double" or "float";

    private static JsonNode? ZeroOf(string type) => type switch
    {
        "string" or "bytes" => "",
        "int32" or "int64" => 0,
        "bool" => false,
        _ => new JsonObject(),
    };

    private static bool IsZero(JsonNode? v) => v switch
    {
        null => true,
        JsonValue s when s.TryGetValue<string>(out var str) => str.Length == 0,
        JsonValue b when b.TryGetValue<bool>(out var flag) => !flag,
        JsonValue n when n.TryGetValue<long>(out var l) => l == 0,
        JsonValue i when i.TryGetValue<int>(out var x) => x == 0,
        JsonValue d when d.TryGetValue<double>(out var dd) => dd == 0,
        JsonObject o => o.Count == 0,
        JsonArray a => a.Count == 0,
        _ => false,
    };

    private static JsonNode? DecodeTime(ReadOnlySpan<byte> data, bool micro)
    {
        long seconds = 0;
        long nanos = 0;
        var reader = new WireReader(data);
        while (reader.Next(out var n, out var w))
        {
            if (n == 1 && w == 0) seconds = (long)reader.Varint();
            else if (n == 2 && w == 0) nanos = (long)reader.Varint();
            else reader.Skip(w);
        }

        if (seconds == ZeroTimeSeconds && nanos == 0 || data.Length == 0)
        {
            return null;
        }

        // The years 0001..9999 that an RFC 3339 timestamp can spell.
        if (seconds is < ZeroTimeSeconds or > 253402300799 || nanos is < 0 or > 999_999_999)
        {
            throw new InvalidDataException($"proto: timestamp out of range: {seconds}s {nanos}ns");
        }

        var time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100).UtcDateTime;
        return time.ToString(micro ? "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static JsonNode DecodeIntOrString(ReadOnlySpan<byte> data)
    {
        long type = 0;
        long intVal = 0;
        var strVal = "";
        var reader = new WireReader(data);
        while (reader.Next(out var n, out var w))
        {
            if (n == 1 && w == 0) type = (long)reader.Varint();
            else if (n == 2 && w == 0) intVal = (int)reader.Varint();
            else if (n == 3 && w == 2) strVal = Encoding.UTF8.GetString(reader.Bytes());
            else reader.Skip(w);
        }

        return type == 1 ? JsonValue.Create(strVal) : JsonValue.Create(intVal);
    }

    private static string? FirstString(ReadOnlySpan<byte> data, int field)
    {
        var reader = new WireReader(data);
        while (reader.Next(out var n, out var w))
        {
            if (n == field && w == 2) return Encoding.UTF8.GetString(reader.Bytes());
            reader.Skip(w);
        }

        return null;
    }

    private static byte[] FirstBytes(ReadOnlySpan<byte> data, int field)
    {
        var reader = new WireReader(data);
        while (reader.Next(out var n, out var w))
        {
            if (n == field && w == 2) return reader.Bytes().ToArray();
            reader.Skip(w);
        }

        return [];
    }

    /// <summary>A minimal protobuf wire-format reader over a span.</summary>
    private ref struct WireReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos >= _data.Length;

        public bool Next(out int number, out int wireType)
        {
            if (AtEnd)
            {
                number = wireType = 0;
                return false;
            }

            var key = Varint();
            number = (int)(key >> 3);
            wireType = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (AtEnd)
                {
                    throw new InvalidDataException("unexpected EOF");
                }

                var b = _data[_pos++];
                result |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw new InvalidDataException("proto: integer overflow");
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = Varint();
            if (length > int.MaxValue)
            {
                throw new InvalidDataException("proto: negative length found during unmarshaling");
            }

            return Take((int)length);
        }

        public ulong Fixed64()
        {
            return BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        }

        public uint Fixed32()
        {
            return BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        }

        /// <summary>The next <paramref name="count"/> bytes; a body that ends first is Go's "unexpected EOF".</summary>
        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _data.Length - _pos)
            {
                throw new InvalidDataException("unexpected EOF");
            }

            var slice = _data.Slice(_pos, count);
            _pos += count;
            return slice;
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0: Varint(); break;
                case 1: Take(8); break;
                case 2: Bytes(); break;
                case 5: Take(4); break;
                default: throw new InvalidDataException($"proto: illegal wireType {wireType}");
            }
        }
    }
}
