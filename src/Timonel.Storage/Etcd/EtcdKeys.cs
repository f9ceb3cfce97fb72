using System.Text;
using Google.Protobuf;
using Timonel.Storage.Etcd.Protocol;

namespace Timonel.Storage.Etcd;

/// <summary>Conversions between Timonel's string keys and etcd's byte keys and ranges.</summary>
internal static class EtcdKeys
{
    private static readonly ByteString Zero = ByteString.CopyFrom(0);

    public static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    /// <summary>The first key of a prefix range: the prefix, or "\0" (every key) for an empty prefix.</summary>
    public static ByteString RangeStart(string prefix) => prefix.Length == 0 ? Zero : Key(prefix);

    /// <summary>The first key after <paramref name="key"/> in byte order: the key with a zero byte appended.</summary>
    public static ByteString After(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        Array.Resize(ref bytes, bytes.Length + 1);
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>
    /// The exclusive end of every key starting with <paramref name="prefix"/>: the prefix with its
    /// last byte below 0xff incremented, or "\0" (to the end of the key space) when there is none.
    /// </summary>
    public static ByteString RangeEnd(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }

        return Zero;
    }

    public static KeyValue ToKeyValue(Protocol.KeyValue kv) =>
        new(kv.Key.ToStringUtf8(), kv.Value.Memory, kv.CreateRevision, kv.ModRevision);

    public static WatchEvent ToWatchEvent(Event e)
    {
        var prev = e.PrevKv is { ModRevision: > 0 } p ? ToKeyValue(p) : null;
        if (e.Type == Event.Types.EventType.Delete)
        {
            return new WatchEvent(WatchEventType.Delete, new KeyValue(e.Kv.Key.ToStringUtf8(), ReadOnlyMemory<byte>.Empty, 0, e.Kv.ModRevision), prev);
        }

        return new WatchEvent(WatchEventType.Put, ToKeyValue(e.Kv), prev);
    }
}
