namespace Timonel.Storage;

/// <summary>A prefix range read.</summary>
/// <param name="Prefix">Keys that start with this string (ordinal).</param>
/// <param name="StartAfterKey">Continue after this key (exclusive); null to start at the prefix.</param>
/// <param name="Limit">At most this many items; 0 means no limit.</param>
/// <param name="Revision">Read at this revision; 0 means the current one.</param>
/// <param name="CountOnly">Return only <see cref="RangeResult.Count"/>, no items.</param>
public sealed record RangeRequest(string Prefix, string? StartAfterKey = null, long Limit = 0, long Revision = 0, bool CountOnly = false);

/// <summary>The result of a range read.</summary>
/// <param name="Items">Keys in ordinal order.</param>
/// <param name="Revision">The revision the read was served at.</param>
/// <param name="More">True when the limit cut the result short.</param>
/// <param name="Count">How many keys match in total from the start position (items plus those left).</param>
public sealed record RangeResult(IReadOnlyList<KeyValue> Items, long Revision, bool More, long Count);
