namespace Timonel.Storage.Sqlite;

internal enum WriteKind
{
    Create,
    Update,
    Delete,
}

/// <summary>A write waiting in the group-commit queue; the writer loop completes <see cref="Completion"/>.</summary>
internal sealed class PendingWrite(WriteKind kind, string key, byte[] value, long expectedModRevision, CancellationToken cancellationToken)
{
    public WriteKind Kind { get; } = kind;

    public string Key { get; } = key;

    public byte[] Value { get; } = value;

    public long ExpectedModRevision { get; } = expectedModRevision;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public TaskCompletionSource<WriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set by the writer inside the transaction, handed out only once it commits.</summary>
    public WriteResult? Result { get; set; }
}
