using System.Globalization;

namespace Timonel.Kubelet.Server;

/// <summary>
/// One line of a CRI log file: <c>&lt;RFC3339Nano time&gt; stdout|stderr F|P &lt;text&gt;</c>. "P" marks
/// a partial line (the runtime split a long line); the text carries no newline of its own.
/// </summary>
internal readonly record struct CriLogLine(DateTimeOffset Time, ReadOnlyMemory<byte> TimeText, bool Partial, ReadOnlyMemory<byte> Content)
{
    /// <summary>Parses one line without its trailing newline; false for a line that is not CRI format.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> line, out CriLogLine parsed)
    {
        parsed = default;
        var span = line.Span;
        var first = span.IndexOf((byte)' ');
        if (first <= 0)
        {
            return false;
        }

        var rest = span[(first + 1)..];
        var second = rest.IndexOf((byte)' ');
        if (second <= 0)
        {
            return false;
        }

        var tagStart = first + 1 + second + 1;
        var tagEnd = span[tagStart..].IndexOf((byte)' ');
        var tag = tagEnd < 0 ? span[tagStart..] : span[tagStart..(tagStart + tagEnd)];
        var contentStart = tagEnd < 0 ? span.Length : tagStart + tagEnd + 1;
        var timeText = System.Text.Encoding.ASCII.GetString(span[..first]);
        if (!DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return false;
        }

        parsed = new CriLogLine(time, line[..first], tag.SequenceEqual("P"u8), line[contentStart..]);
        return true;
    }
}
