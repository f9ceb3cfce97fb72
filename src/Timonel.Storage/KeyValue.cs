namespace Timonel.Storage;

/// <summary>One key's value at one revision.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The stored bytes (empty for a delete event's tombstone).</param>
/// <param name="CreateRevision">Revision at which the key was (last) created.</param>
/// <param name="ModRevision">Revision of the write that produced this value.</param>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);
