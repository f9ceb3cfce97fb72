namespace Timonel.Storage;

/// <summary>What happened to a key.</summary>
public enum WatchEventType
{
    /// <summary>The key was created (Kv.CreateRevision == Kv.ModRevision) or updated.</summary>
    Put,

    /// <summary>The key was deleted; Kv carries the key and the delete's revision, PrevKv the last value.</summary>
    Delete,
}

/// <summary>One change to one key, at <see cref="Revision"/>.</summary>
/// <param name="Type">Put or Delete.</param>
/// <param name="Kv">The new value (for a delete: key, empty value, ModRevision = the delete's revision).</param>
/// <param name="PrevKv">The value before this change, when there was one.</param>
public sealed record WatchEvent(WatchEventType Type, KeyValue Kv, KeyValue? PrevKv)
{
    /// <summary>The revision of this change.</summary>
    public long Revision => Kv.ModRevision;

    /// <summary>
    /// When this process committed the change (<see cref="System.Diagnostics.Stopwatch"/> ticks),
    /// so the watch path can time its stages from the commit; 0 when unknown (a change read
    /// back from history, or committed by another process such as etcd).
    /// </summary>
    public long CommittedAt { get; init; }
}
