namespace Timonel.Cli.Bench;

/// <summary>
/// Splits a byte stream into newline-terminated lines in one reusable buffer: the caller reads
/// into <see cref="Free"/>, reports the count with <see cref="Advance"/>, then takes each
/// complete line as a span of the buffer (valid until the next <see cref="Free"/>). A line
/// longer than the buffer grows it; nothing is allocated per line.
/// </summary>
internal sealed class LineBuffer(int initialSize = 16 * 1024)
{
    private byte[] _buffer = new byte[Math.Max(16, initialSize)];
    private int _start;
    private int _end;

    /// <summary>Where the next read goes: the unread tail is moved to the front first, and the buffer grows when a partial line fills it.</summary>
    public Memory<byte> Free
    {
        get
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            return _buffer.AsMemory(_end);
        }
    }

    public void Advance(int count) => _end += count;

    /// <summary>The next complete line without its newline; false when only a partial line (or nothing) is left.</summary>
    public bool TryTake(out ReadOnlySpan<byte> line)
    {
        var pending = _buffer.AsSpan(_start, _end - _start);
        var newline = pending.IndexOf((byte)'\n');
        if (newline < 0)
        {
            line = default;
            return false;
        }

        line = pending[..newline];
        _start += newline + 1;
        return true;
    }
}
