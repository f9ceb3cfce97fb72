namespace Timonel.Storage;

/// <summary>One key's value at one revision.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The stored bytes (empty for a delete event's tombstone).</param>
/// <param name="CreateRevision">Revision at which the key was (last) created.</param>
/// <param name="ModRevision">Revision of the write that produced this value.</param>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision)
{
    /// <summary>
    /// Set by a value transformer (encryption at rest) when the stored bytes could not be read
    /// back, e.g. written with a key no longer configured; <see cref="Value"/> is then empty.
    /// The reader reports it for this key only, so one unreadable value never stops a watch.
    /// </summary>
    public string? ReadError { get; init; }

    /// <summary>
    /// True when the value was read with other than the current write transformer (an old key,
    /// or plaintext under an encrypting config): rewriting it, even unchanged, re-encrypts it.
    /// </summary>
    public bool Stale { get; init; }
}
