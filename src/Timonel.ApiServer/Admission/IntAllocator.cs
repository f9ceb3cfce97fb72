namespace Timonel.ApiServer.Admission;

/// <summary>A thread-safe set of allocated integers within [First, First+Size), picked at random like upstream's allocators.</summary>
internal sealed class IntAllocator(long first, long size, Random random)
{
    private readonly HashSet<long> _used = [];
    private readonly Lock _lock = new();

    public long First => first;

    public long Size => size;

    public bool Contains(long value) => value >= first && value < first + size;

    /// <summary>Marks a specific value; false when it is taken or outside the range.</summary>
    public bool TryAllocate(long value)
    {
        lock (_lock)
        {
            return Contains(value) && _used.Add(value);
        }
    }

    public bool IsFree(long value)
    {
        lock (_lock)
        {
            return Contains(value) && !_used.Contains(value);
        }
    }

    /// <summary>Takes a free value (random start, then linear); null when the range is full.</summary>
    public long? AllocateNext(bool reserve = true)
    {
        lock (_lock)
        {
            if (_used.Count >= size)
            {
                return null;
            }

            var start = random.NextInt64(size);
            for (long i = 0; i < size; i++)
            {
                var candidate = first + ((start + i) % size);
                if (!_used.Contains(candidate))
                {
                    if (reserve)
                    {
                        _used.Add(candidate);
                    }

                    return candidate;
                }
            }

            return null;
        }
    }

    public void Release(long value)
    {
        lock (_lock)
        {
            _used.Remove(value);
        }
    }
}
