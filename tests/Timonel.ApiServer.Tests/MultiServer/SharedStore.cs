using Timonel.Storage;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>
/// One server's handle on a store that several servers share: disposing it (the server
/// stopping) leaves the store open for the others, as a datastore outlives its API servers.
/// </summary>
internal sealed class SharedStore(IStore inner) : DelegatingStore(inner)
{
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
