namespace Timonel.Storage;

/// <summary>The requested revision is older than the retained history.</summary>
public sealed class StoreCompactedException : Exception
{
    public StoreCompactedException(long requestedRevision, long compactedRevision)
        : base($"required revision {requestedRevision} has been compacted (oldest available is {compactedRevision + 1})")
    {
        RequestedRevision = requestedRevision;
        CompactedRevision = compactedRevision;
    }

    public StoreCompactedException() : base("revision has been compacted") { }

    public StoreCompactedException(string message) : base(message) { }

    public StoreCompactedException(string message, Exception innerException) : base(message, innerException) { }

    public long RequestedRevision { get; }

    public long CompactedRevision { get; }
}
