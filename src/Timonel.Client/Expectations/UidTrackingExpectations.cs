namespace Timonel.Client.Expectations;

/// <summary>
/// Expectations that also remember which objects a controller deleted, so a deletion is counted
/// once however many times it is observed (a DELETED event and a missed-delete tombstone, or an
/// update carrying deletionTimestamp then the delete). Upstream's UIDTrackingControllerExpectations.
/// </summary>
public sealed class UidTrackingExpectations(TimeProvider? time = null) : ControllerExpectations(time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _deleting = new(StringComparer.Ordinal);

    /// <summary>
    /// Records the deletes issued for the owner, naming each deleted object (its key or uid). Like
    /// upstream, a new set replaces one still outstanding: the caller only issues deletes when the
    /// owner's expectations are satisfied, so a leftover set is stale.
    /// </summary>
    public void ExpectDeletions(string key, IReadOnlyCollection<string> deletedKeys)
    {
        ArgumentNullException.ThrowIfNull(deletedKeys);
        lock (_lock)
        {
            _deleting[key] = new HashSet<string>(deletedKeys, StringComparer.Ordinal);
            ExpectDeletions(key, deletedKeys.Count);
        }
    }

    /// <summary>Counts the deletion of <paramref name="deletedKey"/> if it was expected and not yet counted.</summary>
    public void DeletionObserved(string key, string deletedKey)
    {
        lock (_lock)
        {
            if (_deleting.TryGetValue(key, out var set) && set.Remove(deletedKey))
            {
                DeletionObserved(key);
            }
        }
    }

    public override void DeleteExpectations(string key)
    {
        lock (_lock)
        {
            _deleting.Remove(key);
            base.DeleteExpectations(key);
        }
    }
}
