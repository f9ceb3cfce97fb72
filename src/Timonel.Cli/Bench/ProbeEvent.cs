using System.Buffers.Text;
using System.Text.Json;

namespace Timonel.Cli.Bench;

/// <summary>
/// Reads the watch probe's two annotations (sequence number, send time) from one watch event
/// line, as raw UTF-8 with <see cref="Utf8JsonReader"/>: no document, no strings, no
/// allocation, and it stops as soon as both are found. The measuring client shares the machine
/// with the server it measures, so every microsecond it spends per event is taken from the server.
/// </summary>
internal static class ProbeEvent
{
    /// <summary>True when <paramref name="line"/> is an event of the probe carrying both annotations.</summary>
    public static bool TryRead(ReadOnlySpan<byte> line, out int sequence, out long sentTicks)
    {
        sequence = -1;
        sentTicks = 0;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            // {"type":...,"object":{..."metadata":{..."annotations":{...}}}}
            return Enter(ref reader, "object"u8) && Enter(ref reader, "metadata"u8) && Enter(ref reader, "annotations"u8)
                && ReadAnnotations(ref reader, out sequence, out sentTicks);
        }
        catch (JsonException)
        {
            // A line cut short or not JSON: not an event of the probe.
            return false;
        }
    }

    /// <summary>
    /// From before an object's start (or at it), moves into the object's member <paramref name="name"/>,
    /// skipping the others; true when positioned at that member's StartObject.
    /// </summary>
    private static bool Enter(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType != JsonTokenType.StartObject && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                return reader.Read() && reader.TokenType == JsonTokenType.StartObject;
            }

            reader.Skip();
        }

        return false;
    }

    private static bool ReadAnnotations(ref Utf8JsonReader reader, out int sequence, out long sentTicks)
    {
        sequence = -1;
        sentTicks = 0;
        bool haveSequence = false, haveSent = false;
        while (!(haveSequence && haveSent) && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(WatchProbe.SequenceKeyUtf8))
            {
                haveSequence = reader.Read() && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                    && Utf8Parser.TryParse(reader.ValueSpan, out sequence, out var used) && used == reader.ValueSpan.Length;
            }
            else if (reader.ValueTextEquals(WatchProbe.SentKeyUtf8))
            {
                haveSent = reader.Read() && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                    && Utf8Parser.TryParse(reader.ValueSpan, out sentTicks, out var used) && used == reader.ValueSpan.Length;
            }
            else
            {
                reader.Skip();
            }
        }

        return haveSequence && haveSent;
    }
}
