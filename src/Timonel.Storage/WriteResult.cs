namespace Timonel.Storage;

/// <summary>The outcome of a conditional write.</summary>
/// <param name="Succeeded">Whether the condition held and the write was made.</param>
/// <param name="Revision">The store revision after the operation (the new write's revision on success).</param>
/// <param name="Current">On success the written value (or, for a delete, the deleted one); on failure the key's current value, or null when absent.</param>
public sealed record WriteResult(bool Succeeded, long Revision, KeyValue? Current);
