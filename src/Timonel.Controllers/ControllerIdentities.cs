using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Controllers.Credentials;

namespace Timonel.Controllers;

/// <summary>
/// The clients and event recorders of one controller-manager run, one per identity: the manager's
/// own, and one per service account when <c>clients</c> makes them. Controllers sharing an
/// account share its client, its token and its recorder. Disposed when the run ends.
/// </summary>
internal sealed class ControllerIdentities(IKubernetes root, IControllerClients? clients, ILoggerFactory loggers, TimeProvider time) : IAsyncDisposable
{
    private readonly Dictionary<string, (IKubernetes Client, RecordingEvents Events)> _accounts = new(StringComparer.Ordinal);
    private RecordingEvents? _rootEvents;

    /// <summary><paramref name="shared"/> with the client and events of the controller registered as <paramref name="controller"/>.</summary>
    public ControllerContext ContextFor(ControllerContext shared, string controller)
    {
        if (clients is null || ControllerServiceAccounts.For(controller) is not { } account)
        {
            _rootEvents ??= new RecordingEvents(root, loggers, time);
            return shared with { Events = _rootEvents.Events };
        }

        if (!_accounts.TryGetValue(account, out var identity))
        {
            var client = clients.Create(root, account);
            identity = (client, new RecordingEvents(client, loggers, time));
            _accounts[account] = identity;
        }

        return shared with { Client = identity.Client, Events = identity.Events.Events };
    }

    public async ValueTask DisposeAsync()
    {
        if (_rootEvents is not null)
        {
            await _rootEvents.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var (client, events) in _accounts.Values)
        {
            await events.DisposeAsync().ConfigureAwait(false);
            client.Dispose();
        }
    }
}
