using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>
/// The size in bytes of a node written as compact JSON, without keeping the bytes: the patch
/// limits are upstream's byte limits (copy size, object size), so they are measured the same way.
/// </summary>
internal static class JsonSize
{
    public static long Of(JsonNode? node)
    {
        if (node is null)
        {
            return 4; // null
        }

        var counter = new CountingBuffer();
        using (var writer = new Utf8JsonWriter(counter))
        {
            node.WriteTo(writer);
        }

        return counter.Written;
    }

    /// <summary>A buffer writer that counts what is written into one reused scratch array.</summary>
    private sealed class CountingBuffer : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[4096];

        public long Written { get; private set; }

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint).Span;

        private Memory<byte> Scratch(int sizeHint)
        {
            if (sizeHint > _scratch.Length)
            {
                _scratch = new byte[sizeHint];
            }

            return _scratch;
        }
    }
}
