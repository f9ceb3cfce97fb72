namespace Timonel.Storage;

/// <summary>The backend cannot serve the request now (disk error, etcd unreachable); callers may retry.</summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException() { }

    public StoreUnavailableException(string message) : base(message) { }

    public StoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
