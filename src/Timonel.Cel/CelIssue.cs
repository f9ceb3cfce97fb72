using System.Text;

namespace Timonel.Cel;

/// <summary>A compile error at a place in the source; <see cref="ToString"/> prints it as cel-go's ToDisplayString does.</summary>
public sealed class CelIssue(string source, int position, string message)
{
    /// <summary>1-based line; 0 when the error has no location (e.g. a size limit).</summary>
    public int Line { get; } = position < 0 ? 0 : 1 + source.AsSpan(0, Math.Min(position, source.Length)).Count('\n');

    /// <summary>1-based column in code points, as cel-go counts them.</summary>
    public int Column { get; } = position < 0 ? 0 : 1 + CodePoints(source.AsSpan(LineStart(source, position), Math.Min(position, source.Length) - LineStart(source, position)));

    public string Message { get; } = message;

    private static int LineStart(string source, int position) =>
        source.LastIndexOf('\n', Math.Max(0, Math.Min(position, source.Length) - 1)) is var i && i >= 0 && i < position ? i + 1 : 0;

    private static int CodePoints(ReadOnlySpan<char> s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            n++;
        }
        return n;
    }

    public override string ToString()
    {
        if (Line == 0)
        {
            return $"ERROR: <input>:-1:0: {Message}";
        }
        var sb = new StringBuilder($"ERROR: <input>:{Line}:{Column}: {Message}");
        var lines = source.Split('\n');
        if (Line <= lines.Length)
        {
            sb.Append("\n | ").Append(lines[Line - 1].TrimEnd('\r'));
            sb.Append("\n | ").Append('.', Column - 1).Append('^');
        }
        return sb.ToString();
    }
}
