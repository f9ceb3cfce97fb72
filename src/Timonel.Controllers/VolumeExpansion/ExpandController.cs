using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.VolumeExpansion;

/// <summary>
/// Upstream's persistentvolume-expander: a bound claim whose storage request has grown past its
/// capacity is handed to whatever can expand its volume. Timonel has no in-tree volume plugin
/// that expands (local-path volumes are host directories, CSI volumes are resized by the
/// driver's external resizer), so, as upstream does for such a volume, the claim gets an
/// ExternalExpanding event saying it waits for an external controller: the request is recorded
/// and visible, never silently dropped. Growing a claim at all needs a StorageClass with
/// allowVolumeExpansion (the PersistentVolumeClaimResize admission plugin refuses it otherwise).
/// </summary>
public sealed partial class ExpandController : Controller, IController
{
    private const string Component = "volume_expand";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1PersistentVolumeClaim> _claims;

    public ExpandController(ControllerContext context)
        : base("expand-controller", context.Loggers.CreateLogger("expand-controller"), context.Time)
    {
        _context = context;
        _claims = context.Informers.Get(ResourceKinds.PersistentVolumeClaims);
        _claims.AddEventHandler(onAdd: EnqueueIfBound, onUpdate: (_, claim) => EnqueueIfBound(claim));
    }

    string IController.Name => "persistentvolume-expander";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_claims], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (_claims.Cache.Get(key) is not { } claim || string.IsNullOrEmpty(claim.Spec?.VolumeName))
        {
            return;
        }

        V1PersistentVolume volume;
        try
        {
            volume = await _context.Client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            throw new InvalidOperationException($"failed to get PV \"{claim.Spec.VolumeName}\": not found", e);
        }

        if (volume.Spec?.ClaimRef is not { } claimRef || claimRef.NamespaceProperty != claim.Metadata.NamespaceProperty || claimRef.Uid != claim.Metadata.Uid)
        {
            // The binder has not finished (or undone) the bind: try again later, as upstream.
            throw new InvalidOperationException($"persistent Volume is not bound to PVC being updated : {key}");
        }

        if (!Grows(claim))
        {
            return;
        }

        // No in-tree plugin expands this volume: whoever provisioned it must.
        _context.Events.Normal(Component, claim, "ExternalExpanding", "waiting for an external controller to expand this PVC");
        Log.WaitingForExternal(Logger, key, claim.Metadata.Uid);
    }

    private void EnqueueIfBound(V1PersistentVolumeClaim claim)
    {
        if (claim.Status?.Phase == "Bound")
        {
            Enqueue(claim);
        }
    }

    // The request is larger than what the claim has.
    private static bool Grows(V1PersistentVolumeClaim claim)
    {
        if (claim.Spec?.Resources?.Requests?.TryGetValue("storage", out var requested) != true || requested is null)
        {
            return false;
        }

        var capacity = claim.Status?.Capacity?.TryGetValue("storage", out var has) == true ? has : null;
        return capacity is null || requested.ToDecimal() > capacity.ToDecimal();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "claim {Key} ({Uid}): waiting for an external controller to expand it")]
        public static partial void WaitingForExternal(ILogger logger, string key, string uid);
    }
}
