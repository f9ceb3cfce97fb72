namespace Timonel.Storage;

/// <summary>
/// Ends a watch whose consumer fell so far behind the writers that its buffer filled up.
/// Events delivered before this exception are valid; the consumer may watch again from the
/// last revision it saw (or relist if that has been compacted meanwhile).
/// </summary>
public sealed class StoreWatchLaggedException : Exception
{
    public StoreWatchLaggedException() : base("watcher fell too far behind and was ended") { }

    public StoreWatchLaggedException(string message) : base(message) { }

    public StoreWatchLaggedException(string message, Exception innerException) : base(message, innerException) { }
}
