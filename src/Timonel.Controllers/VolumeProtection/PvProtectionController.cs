using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.VolumeProtection;

/// <summary>
/// Keeps a bound PersistentVolume from going away (upstream's pv-protection controller): a deleted
/// volume keeps its kubernetes.io/pv-protection finalizer while its phase is Bound. Volumes
/// created without the finalizer get it.
/// </summary>
public sealed class PvProtectionController : Controller, IController
{
    private const string Component = "pv-protection-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1PersistentVolume> _volumes;

    public PvProtectionController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _volumes = context.Informers.Get(ResourceKinds.PersistentVolumes);
        _volumes.AddEventHandler(onAdd: EnqueueIfNeeded, onUpdate: (_, v) => EnqueueIfNeeded(v));
    }

    string IController.Name => "pv-protection";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_volumes], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var volume = _volumes.Cache.Get(key);
        if (volume is null || !ProtectionFinalizers.NeedsSync(volume.Metadata, ProtectionFinalizers.Pv))
        {
            return;
        }

        var deleting = volume.Metadata.DeletionTimestamp is not null;
        if (deleting && volume.Status?.Phase == "Bound")
        {
            return;
        }

        try
        {
            await _context.Client.CoreV1.ReplacePersistentVolumeAsync(ProtectionFinalizers.With(volume, ProtectionFinalizers.Pv, present: !deleting), volume.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Gone already.
        }
    }

    private void EnqueueIfNeeded(V1PersistentVolume volume)
    {
        if (ProtectionFinalizers.NeedsSync(volume.Metadata, ProtectionFinalizers.Pv))
        {
            Enqueue(volume);
        }
    }
}
