namespace Timonel.Controllers;

/// <summary>One reconciliation loop of the controller manager (informer → queue → SyncAsync).</summary>
public interface IController
{
    /// <summary>Upstream's controller name, e.g. "replicaset" (what --controllers names).</summary>
    string Name { get; }

    /// <summary>Runs until cancelled. Informers are started by the manager after every controller was constructed.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
