namespace Timonel.Client.Informers;

/// <summary>What a factory or a controller needs from any informer, whatever its object type.</summary>
public interface ISharedInformer : IAsyncDisposable
{
    /// <summary>True once the first full list is in the cache and delivered to the handlers.</summary>
    bool HasSynced { get; }

    /// <summary>Starts the list-and-watch loop in the background; later calls do nothing.</summary>
    void Start();

    /// <summary>Completes once <see cref="HasSynced"/> is true.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
