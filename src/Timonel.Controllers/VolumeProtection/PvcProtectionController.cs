using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.VolumeProtection;

/// <summary>
/// Keeps a PersistentVolumeClaim that a pod uses from going away under it (upstream's
/// pvc-protection controller): a deleted claim keeps its kubernetes.io/pvc-protection finalizer,
/// and so stays Terminating, until no scheduled pod names it, checked in the cache and then
/// against the API server before the finalizer goes. Claims created without the finalizer get it.
/// </summary>
public sealed partial class PvcProtectionController : Controller, IController
{
    private const string Component = "pvc-protection-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1PersistentVolumeClaim> _claims;
    private readonly SharedInformer<V1Pod> _pods;

    public PvcProtectionController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _claims = context.Informers.Get(ResourceKinds.PersistentVolumeClaims);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _claims.AddEventHandler(onAdd: EnqueueIfNeeded, onUpdate: (_, c) => EnqueueIfNeeded(c));
        // A pod that goes (or stops naming a claim) may free a claim that waits on it.
        _pods.AddEventHandler(onAdd: EnqueueClaimsOf, onUpdate: (old, pod) =>
        {
            EnqueueClaimsOf(old);
            EnqueueClaimsOf(pod);
        }, onDelete: EnqueueClaimsOf);
    }

    string IController.Name => "pvc-protection";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_claims, _pods], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var claim = _claims.Cache.Get(key);
        if (claim is null || !ProtectionFinalizers.NeedsSync(claim.Metadata, ProtectionFinalizers.Pvc))
        {
            return;
        }

        if (claim.Metadata.DeletionTimestamp is null)
        {
            await ReplaceAsync(ProtectionFinalizers.With(claim, ProtectionFinalizers.Pvc, present: true), cancellationToken).ConfigureAwait(false);
            return;
        }

        var ns = claim.Metadata.NamespaceProperty;
        if (_pods.Cache.ListByNamespace(ns).Any(p => ClaimUse.Uses(p, claim.Metadata.Name)))
        {
            return;
        }

        // The cache may not have seen a pod created a moment ago: ask the API server before letting go.
        var live = await _context.Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (live.Items.Any(p => ClaimUse.Uses(p, claim.Metadata.Name)))
        {
            return;
        }

        Log.Released(Logger, key);
        await ReplaceAsync(ProtectionFinalizers.With(claim, ProtectionFinalizers.Pvc, present: false), cancellationToken).ConfigureAwait(false);
    }

    private async Task ReplaceAsync(V1PersistentVolumeClaim claim, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(claim, claim.Metadata.Name, claim.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Gone already.
        }
    }

    private void EnqueueIfNeeded(V1PersistentVolumeClaim claim)
    {
        if (ProtectionFinalizers.NeedsSync(claim.Metadata, ProtectionFinalizers.Pvc))
        {
            Enqueue(claim);
        }
    }

    private void EnqueueClaimsOf(V1Pod pod)
    {
        foreach (var name in ClaimUse.ClaimNames(pod))
        {
            if (_claims.Cache.Get(pod.Metadata.NamespaceProperty, name) is { Metadata.DeletionTimestamp: not null } claim)
            {
                Enqueue(claim);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "claim {Key} is no longer used by any pod: protection finalizer removed")]
        public static partial void Released(ILogger logger, string key);
    }
}
