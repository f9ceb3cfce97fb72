namespace Timonel.Client.Expectations;

/// <summary>
/// Remembers how many creates and deletes a controller has issued for an owner but not yet seen
/// in its informer cache, so a sync does not act twice while the cache lags (upstream's
/// ControllerExpectations). Keys are the owner's "namespace/name".
/// </summary>
/// <remarks>
/// A sync should act only when <see cref="SatisfiedExpectations"/> is true: every expected event
/// was observed, nothing is recorded for the key, or the record is older than
/// <see cref="ExpectationsTimeout"/> (events were lost, e.g. a create that failed silently).
/// </remarks>
public class ControllerExpectations(TimeProvider? time = null)
{
    /// <summary>How long expectations are trusted before a sync proceeds anyway (5 minutes, as upstream).</summary>
    public static readonly TimeSpan ExpectationsTimeout = TimeSpan.FromMinutes(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Record> _records = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Whether the owner's sync may act (see the type's remarks).</summary>
    public bool SatisfiedExpectations(string key)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(key, out var record))
            {
                return true;
            }

            return record.Fulfilled || _time.GetUtcNow() - record.SetAt > ExpectationsTimeout;
        }
    }

    /// <summary>The outstanding creates and deletes for the key, or null if none are recorded.</summary>
    public (int Adds, int Deletes)? GetExpectations(string key)
    {
        lock (_lock)
        {
            return _records.TryGetValue(key, out var r) ? (r.Adds, r.Deletes) : null;
        }
    }

    /// <summary>Records that <paramref name="adds"/> creates were issued (replacing any earlier record).</summary>
    public void ExpectCreations(string key, int adds) => SetExpectations(key, adds, 0);

    /// <summary>Records that <paramref name="deletes"/> deletes were issued (replacing any earlier record).</summary>
    public void ExpectDeletions(string key, int deletes) => SetExpectations(key, 0, deletes);

    public void SetExpectations(string key, int adds, int deletes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(adds);
        ArgumentOutOfRangeException.ThrowIfNegative(deletes);
        lock (_lock)
        {
            _records[key] = new Record(adds, deletes, _time.GetUtcNow());
        }
    }

    /// <summary>Adds to the outstanding counts of an existing record (no-op when none is recorded).</summary>
    public void RaiseExpectations(string key, int adds, int deletes) => Adjust(key, adds, deletes);

    /// <summary>Subtracts from the outstanding counts, e.g. for creates that failed and will never be observed.</summary>
    public void LowerExpectations(string key, int adds, int deletes) => Adjust(key, -adds, -deletes);

    /// <summary>The informer saw one of the expected creates.</summary>
    public void CreationObserved(string key) => Adjust(key, -1, 0);

    /// <summary>The informer saw one of the expected deletes.</summary>
    public void DeletionObserved(string key) => Adjust(key, 0, -1);

    /// <summary>Forgets the key, e.g. when the owner itself is deleted.</summary>
    public virtual void DeleteExpectations(string key)
    {
        lock (_lock)
        {
            _records.Remove(key);
        }
    }

    private void Adjust(string key, int adds, int deletes)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(key, out var r))
            {
                _records[key] = r with { Adds = r.Adds + adds, Deletes = r.Deletes + deletes };
            }
        }
    }

    private sealed record Record(int Adds, int Deletes, DateTimeOffset SetAt)
    {
        public bool Fulfilled => Adds <= 0 && Deletes <= 0;
    }
}
