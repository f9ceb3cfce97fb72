using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ServiceAccount;

/// <summary>
/// Upstream's serviceaccount controller: every active namespace has a ServiceAccount named
/// "default", created with the namespace and recreated when deleted. Keys are namespace names.
/// </summary>
public sealed class ServiceAccountController : Controller, IController
{
    public const string DefaultName = "default";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1ServiceAccount> _accounts;

    public ServiceAccountController(ControllerContext context)
        : base("serviceaccount-controller", context.Loggers.CreateLogger("serviceaccount-controller"), context.Time)
    {
        _context = context;
        _namespaces = context.Informers.Get(ResourceKinds.Namespaces);
        _accounts = context.Informers.Get(ResourceKinds.ServiceAccounts);
        _namespaces.AddEventHandler(onAdd: Enqueue, onUpdate: (_, n) => Enqueue(n));
        _accounts.AddEventHandler(onDelete: sa =>
        {
            if (sa.Metadata.Name == DefaultName)
            {
                Enqueue(sa.Metadata.NamespaceProperty);
            }
        });
    }

    string IController.Name => "serviceaccount";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_namespaces, _accounts], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var ns = _namespaces.Cache.Get(key);
        if (ns is null || ns.Metadata.DeletionTimestamp is not null || ns.Status?.Phase == "Terminating")
        {
            return;
        }

        if (_accounts.Cache.Get(key, DefaultName) is not null)
        {
            return;
        }

        try
        {
            await _context.Client.CoreV1.CreateNamespacedServiceAccountAsync(
                new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = DefaultName } }, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsAlreadyExists(e) || ApiErrors.IsNotFound(e) || ApiErrors.IsNamespaceTerminating(e))
        {
            // Created meanwhile (the cache lags), or the namespace is going away.
        }
    }
}
