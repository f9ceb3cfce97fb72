namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// The newest events of one resource, oldest first, in a fixed-size ring: a watch from a
/// resourceVersion inside the window replays from here instead of opening its own store watch.
/// Not thread-safe: its <see cref="WatchCache"/> guards it.
/// </summary>
internal sealed class EventWindow(int capacity)
{
    private readonly DecodedEvent[] _ring = new DecodedEvent[capacity];
    private int _start;
    private int _count;

    public int Count => _count;

    /// <summary>
    /// The revision just before the oldest event still held: a watch may start after any
    /// revision at or above it. Set on a (re)list; moves up as old events fall out.
    /// </summary>
    public long StartRevision { get; private set; }

    /// <summary>Forgets every event: the window now starts after <paramref name="revision"/>.</summary>
    public void Reset(long revision)
    {
        Array.Clear(_ring);
        _start = 0;
        _count = 0;
        StartRevision = revision;
    }

    public void Add(DecodedEvent e)
    {
        if (_count == _ring.Length)
        {
            StartRevision = _ring[_start].Revision;
            _ring[_start] = e;
            _start = (_start + 1) % _ring.Length;
            return;
        }

        _ring[(_start + _count) % _ring.Length] = e;
        _count++;
    }

    /// <summary>The events after <paramref name="revision"/> on keys under <paramref name="prefix"/>, oldest first.</summary>
    public List<DecodedEvent> After(long revision, string prefix)
    {
        var result = new List<DecodedEvent>();
        for (var i = 0; i < _count; i++)
        {
            var e = _ring[(_start + i) % _ring.Length];
            if (e.Revision > revision && e.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                result.Add(e);
            }
        }

        return result;
    }
}
