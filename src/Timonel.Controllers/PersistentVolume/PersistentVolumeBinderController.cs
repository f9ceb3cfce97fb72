using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.ReplicaSet;

namespace Timonel.Controllers.PersistentVolume;

/// <summary>
/// Upstream's persistentvolume-binder in basic form. Claims: an unbound claim is bound to the
/// best matching volume (claimRef on the PV, volumeName on the claim, both phases Bound);
/// with none it waits for its first consumer (WaitForFirstConsumer) or asks its class's
/// provisioner through the storage-provisioner annotation. A claim without a class gets the
/// default class (upstream's retroactive default). Volumes: Available without a claim,
/// Bound with one, Released once their claim is gone. Timonel addition: a WaitForFirstConsumer
/// claim used by a pod that already has spec.nodeName (bound without the scheduler's volume
/// binding) gets the selected-node annotation from the binder.
/// </summary>
public sealed class PersistentVolumeBinderController : Controller, IController
{
    public const string Component = "persistentvolume-controller";
    private const string ClaimPrefix = "claim:";
    private const string VolumePrefix = "volume:";
    private static readonly TimeSpan ConflictRetryDelay = TimeSpan.FromMilliseconds(100);
    private readonly ControllerContext _context;
    private readonly SharedInformer<V1PersistentVolumeClaim> _claims;
    private readonly SharedInformer<V1PersistentVolume> _volumes;
    private readonly SharedInformer<V1StorageClass> _classes;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Node> _nodes;

    public PersistentVolumeBinderController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _claims = context.Informers.Get(ResourceKinds.PersistentVolumeClaims);
        _volumes = context.Informers.Get(ResourceKinds.PersistentVolumes);
        _classes = context.Informers.Get(ResourceKinds.StorageClasses);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _nodes = context.Informers.Get(ResourceKinds.Nodes);
        _claims.AddEventHandler(EnqueueClaim, (_, c) => EnqueueClaim(c), c =>
        {
            EnqueueClaim(c);
            if (c.Spec?.VolumeName is { Length: > 0 } pv)
            {
                Enqueue(VolumePrefix + pv);
            }
        });
        _volumes.AddEventHandler(OnVolumeChanged, (_, v) => OnVolumeChanged(v), EnqueueVolume);
        _classes.AddEventHandler(_ => EnqueueUnboundClaims(), (_, _) => EnqueueUnboundClaims(), _ => { });
        _pods.AddEventHandler(EnqueueClaimsOf, (_, p) => EnqueueClaimsOf(p), _ => { });
    }

    string IController.Name => "persistentvolume-binder";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var resync = ResyncAsync(cancellationToken);
        await RunAsync(_context.Options.Workers, [_claims, _volumes, _classes, _pods, _nodes], cancellationToken).ConfigureAwait(false);
        await resync.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// A conflict is expected here, as upstream's binder treats it: the cache trails writes (a
    /// claim's and its volume's keys sync in parallel and both write both objects). The newer object
    /// is on its way, so retry soon instead of growing the key's exponential backoff with every miss.
    /// </summary>
    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await (key.StartsWith(ClaimPrefix, StringComparison.Ordinal)
                ? SyncClaimAsync(key[ClaimPrefix.Length..], cancellationToken)
                : SyncVolumeAsync(key[VolumePrefix.Length..], cancellationToken)).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            EnqueueAfter(key, ConflictRetryDelay);
        }
    }

    /// <summary>Upstream's periodic resync: every claim and volume again, whatever the informers delivered.</summary>
    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_context.Options.PersistentVolumeBinderSyncPeriod, _context.Time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var claim in _claims.Cache.List())
            {
                EnqueueClaim(claim);
            }

            foreach (var pv in _volumes.Cache.List())
            {
                Enqueue(VolumePrefix + pv.Metadata.Name);
            }
        }
    }

    /// <summary>
    /// A free volume may be what a pending claim waits for: the claims informer can deliver a claim
    /// before the volumes informer delivers a volume created earlier, so offer it to unbound claims.
    /// </summary>
    private void OnVolumeChanged(V1PersistentVolume pv)
    {
        EnqueueVolume(pv);
        if (pv.Spec?.ClaimRef is null && pv.Metadata.DeletionTimestamp is null)
        {
            EnqueueUnboundClaims();
        }
    }

    private void EnqueueClaim(V1PersistentVolumeClaim claim) => Enqueue(ClaimPrefix + ObjectKeys.KeyOf(claim));

    private void EnqueueVolume(V1PersistentVolume pv)
    {
        Enqueue(VolumePrefix + pv.Metadata.Name);
        if (pv.Spec?.ClaimRef is { } r)
        {
            Enqueue($"{ClaimPrefix}{r.NamespaceProperty}/{r.Name}");
        }
    }

    private void EnqueueUnboundClaims()
    {
        foreach (var claim in _claims.Cache.List().Where(c => string.IsNullOrEmpty(c.Spec?.VolumeName)))
        {
            EnqueueClaim(claim);
        }
    }

    private void EnqueueClaimsOf(V1Pod pod)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return;
        }

        foreach (var v in pod.Spec.Volumes ?? [])
        {
            if (PodClaims.ClaimName(pod, v) is { } name)
            {
                Enqueue($"{ClaimPrefix}{pod.Metadata.NamespaceProperty}/{name}");
            }
        }
    }

    private async Task SyncClaimAsync(string key, CancellationToken ct)
    {
        var claim = _claims.Cache.Get(key);
        if (claim is null || claim.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        if (string.IsNullOrEmpty(claim.Spec?.VolumeName))
        {
            await SyncUnboundClaimAsync(claim, ct).ConfigureAwait(false);
            return;
        }

        var pv = _volumes.Cache.Get(claim.Spec.VolumeName);
        if (pv is null)
        {
            if (claim.Status?.Phase == "Bound")
            {
                _context.Events.Warning(Component, claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
            }

            await SetClaimPhaseAsync(claim, claim.Status?.Phase == "Bound" ? "Lost" : "Pending", null, ct).ConfigureAwait(false);
        }
        else if (pv.Spec.ClaimRef is null || (pv.Spec.ClaimRef.Name == claim.Metadata.Name && pv.Spec.ClaimRef.NamespaceProperty == claim.Metadata.NamespaceProperty && string.IsNullOrEmpty(pv.Spec.ClaimRef.Uid)))
        {
            // The claim names its volume (pre-bound): finish the binding from the volume's side.
            await BindAsync(claim, pv, ct).ConfigureAwait(false);
        }
        else if (pv.Spec.ClaimRef.Uid == claim.Metadata.Uid)
        {
            await SetClaimPhaseAsync(claim, "Bound", pv, ct).ConfigureAwait(false);
            await SetVolumePhaseAsync(pv, "Bound", ct).ConfigureAwait(false);
        }
        else
        {
            _context.Events.Warning(Component, claim, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
            await SetClaimPhaseAsync(claim, "Lost", null, ct).ConfigureAwait(false);
        }
    }

    private async Task SyncUnboundClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (claim.Spec.StorageClassName is null && DefaultClass() is { } defaultClass)
        {
            try
            {
                await UpdateClaimAsync(claim, c => c.Spec.StorageClassName = defaultClass.Metadata.Name, ct).ConfigureAwait(false);
                return;
            }
            catch (HttpOperationException e) when (ApiErrors.IsInvalid(e))
            {
                // An API server that keeps storageClassName immutable once unset: the claim stays without a class.
                _context.Events.Warning(Component, claim, "FailedBinding", $"could not assign the default StorageClass \"{defaultClass.Metadata.Name}\": {ApiErrors.MessageOf(e)}");
            }
        }

        var className = claim.Spec.StorageClassName ?? string.Empty;
        var storageClass = className.Length > 0 ? _classes.Cache.Get(className) : null;
        var delay = storageClass?.VolumeBindingMode == "WaitForFirstConsumer";
        var annotations = claim.Metadata.Annotations ?? new Dictionary<string, string>();
        annotations.TryGetValue(VolumeAnnotations.SelectedNode, out var selectedNode);
        if (delay && string.IsNullOrEmpty(selectedNode) && ConsumerNode(claim) is { } consumerNode)
        {
            await UpdateClaimAsync(claim, c => (c.Metadata.Annotations ??= new Dictionary<string, string>())[VolumeAnnotations.SelectedNode] = consumerNode, ct).ConfigureAwait(false);
            return;
        }

        var node = string.IsNullOrEmpty(selectedNode) ? null : _nodes.Cache.Get(selectedNode) ?? new V1Node { Metadata = new V1ObjectMeta { Name = selectedNode } };
        if (VolumeMatcher.FindBest(claim, _volumes.Cache.List(), node, delay) is { } pv)
        {
            await BindAsync(claim, pv, ct).ConfigureAwait(false);
            return;
        }

        // As upstream, these repeat on every sync; the event recorder aggregates them.
        if (delay && string.IsNullOrEmpty(selectedNode))
        {
            _context.Events.Normal(Component, claim, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
        }
        else if (storageClass?.Provisioner is { Length: > 0 } provisioner && provisioner != "kubernetes.io/no-provisioner")
        {
            if (!annotations.TryGetValue(VolumeAnnotations.StorageProvisioner, out var asked) || asked != provisioner)
            {
                _context.Events.Normal(Component, claim, "ExternalProvisioning",
                    $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
                claim = await UpdateClaimAsync(claim, c =>
                {
                    c.Metadata.Annotations ??= new Dictionary<string, string>();
                    c.Metadata.Annotations[VolumeAnnotations.StorageProvisioner] = provisioner;
                    c.Metadata.Annotations[VolumeAnnotations.BetaStorageProvisioner] = provisioner;
                }, ct).ConfigureAwait(false) ?? claim;
            }
        }
        else
        {
            _context.Events.Normal(Component, claim, "FailedBinding", className.Length == 0
                ? "no persistent volumes available for this claim and no storage class is set"
                : $"storageclass.storage.k8s.io \"{className}\" not found or has no provisioner; no persistent volumes available for this claim");
        }

        await SetClaimPhaseAsync(claim, "Pending", null, ct).ConfigureAwait(false);
    }

    /// <summary>The node of a pod that mounts the claim and is already bound to a node.</summary>
    private string? ConsumerNode(V1PersistentVolumeClaim claim) =>
        _pods.Cache.ListByNamespace(claim.Metadata.NamespaceProperty)
            .Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName) && p.Status?.Phase is not ("Succeeded" or "Failed"))
            .FirstOrDefault(p => (p.Spec.Volumes ?? []).Any(v => PodClaims.ClaimName(p, v) == claim.Metadata.Name))?.Spec.NodeName;

    private V1StorageClass? DefaultClass() =>
        _classes.Cache.List()
            .Where(c => c.Metadata.Annotations?.TryGetValue(VolumeAnnotations.IsDefaultClass, out var v) == true && v == "true")
            .OrderByDescending(c => c.Metadata.CreationTimestamp)
            .ThenBy(c => c.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();

    private async Task BindAsync(V1PersistentVolumeClaim claim, V1PersistentVolume pv, CancellationToken ct)
    {
        var boundByController = pv.Spec.ClaimRef is null;
        if (pv.Spec.ClaimRef?.Uid != claim.Metadata.Uid)
        {
            var copy = ObjectCopy.DeepCopy(pv);
            copy.Spec.ClaimRef = new V1ObjectReference
            {
                ApiVersion = "v1",
                Kind = "PersistentVolumeClaim",
                NamespaceProperty = claim.Metadata.NamespaceProperty,
                Name = claim.Metadata.Name,
                Uid = claim.Metadata.Uid,
                ResourceVersion = claim.Metadata.ResourceVersion,
            };
            if (boundByController)
            {
                copy.Metadata.Annotations ??= new Dictionary<string, string>();
                copy.Metadata.Annotations[VolumeAnnotations.BoundByController] = "yes";
            }

            pv = await _context.Client.CoreV1.ReplacePersistentVolumeAsync(copy, copy.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
        }

        await SetVolumePhaseAsync(pv, "Bound", ct).ConfigureAwait(false);

        var claimCopy = ObjectCopy.DeepCopy(claim);
        var changed = claimCopy.Spec.VolumeName != pv.Metadata.Name;
        claimCopy.Spec.VolumeName = pv.Metadata.Name;
        claimCopy.Metadata.Annotations ??= new Dictionary<string, string>();
        if (!claimCopy.Metadata.Annotations.ContainsKey(VolumeAnnotations.BindCompleted))
        {
            claimCopy.Metadata.Annotations[VolumeAnnotations.BindCompleted] = "yes";
            changed = true;
        }

        if (changed && string.IsNullOrEmpty(claim.Spec.VolumeName))
        {
            claimCopy.Metadata.Annotations[VolumeAnnotations.BoundByController] = "yes";
        }

        if (changed)
        {
            claim = await _context.Client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(claimCopy, claim.Metadata.Name, claim.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
        }

        await SetClaimPhaseAsync(claim, "Bound", pv, ct).ConfigureAwait(false);
    }

    private async Task SyncVolumeAsync(string name, CancellationToken ct)
    {
        var pv = _volumes.Cache.Get(name);
        if (pv is null || pv.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        var claimRef = pv.Spec.ClaimRef;
        if (claimRef is null || string.IsNullOrEmpty(claimRef.Uid))
        {
            // Free, or reserved for a claim by name that has not been bound yet.
            await SetVolumePhaseAsync(pv, "Available", ct).ConfigureAwait(false);
            return;
        }

        var claim = _claims.Cache.Get($"{claimRef.NamespaceProperty}/{claimRef.Name}");
        if (claim is null)
        {
            // The cache may not have a new claim yet: ask the API before releasing the volume.
            try
            {
                claim = await _context.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claimRef.Name, claimRef.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
                claim = null;
            }
        }

        if (claim is null || claim.Metadata.Uid != claimRef.Uid)
        {
            if (pv.Status?.Phase is not ("Released" or "Failed"))
            {
                await SetVolumePhaseAsync(pv, "Released", ct).ConfigureAwait(false);
            }

            return;
        }

        if (claim.Spec?.VolumeName == pv.Metadata.Name)
        {
            await SetVolumePhaseAsync(pv, "Bound", ct).ConfigureAwait(false);
        }
        else if (string.IsNullOrEmpty(claim.Spec?.VolumeName))
        {
            EnqueueClaim(claim);
        }
        else if (pv.Metadata.Annotations?.ContainsKey(VolumeAnnotations.BoundByController) == true)
        {
            // The claim went to another volume: give this one back.
            var copy = ObjectCopy.DeepCopy(pv);
            copy.Spec.ClaimRef = null;
            copy.Metadata.Annotations!.Remove(VolumeAnnotations.BoundByController);
            pv = await _context.Client.CoreV1.ReplacePersistentVolumeAsync(copy, copy.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
            await SetVolumePhaseAsync(pv, "Available", ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a changed copy of the cached claim with an update, as upstream's controller does
    /// (its role, system:controller:persistent-volume-binder, may update claims, not patch them);
    /// a conflict fails the sync, which is retried with the newer claim.
    /// </summary>
    private async Task<V1PersistentVolumeClaim?> UpdateClaimAsync(V1PersistentVolumeClaim claim, Action<V1PersistentVolumeClaim> change, CancellationToken ct)
    {
        var copy = ObjectCopy.DeepCopy(claim);
        change(copy);
        try
        {
            return await _context.Client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }

    private async Task SetClaimPhaseAsync(V1PersistentVolumeClaim claim, string phase, V1PersistentVolume? pv, CancellationToken ct)
    {
        var capacity = pv?.Spec.Capacity;
        var modes = pv?.Spec.AccessModes;
        if (claim.Status?.Phase == phase
            && (pv is null || (VolumeMatcher.StorageOf(claim.Status.Capacity) == VolumeMatcher.StorageOf(capacity) && (claim.Status.AccessModes ?? []).SequenceEqual(modes ?? []))))
        {
            return;
        }

        var copy = ObjectCopy.DeepCopy(claim);
        copy.Status ??= new V1PersistentVolumeClaimStatus();
        copy.Status.Phase = phase;
        if (phase == "Bound")
        {
            copy.Status.Capacity = capacity;
            copy.Status.AccessModes = modes;
        }
        else if (phase == "Pending")
        {
            copy.Status.Capacity = null;
            copy.Status.AccessModes = null;
        }

        try
        {
            await _context.Client.CoreV1.ReplaceNamespacedPersistentVolumeClaimStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
        }
    }

    private async Task SetVolumePhaseAsync(V1PersistentVolume pv, string phase, CancellationToken ct)
    {
        if (pv.Status?.Phase == phase)
        {
            return;
        }

        var copy = ObjectCopy.DeepCopy(pv);
        copy.Status ??= new V1PersistentVolumeStatus();
        copy.Status.Phase = phase;
        copy.Status.LastPhaseTransitionTime = _context.Time.GetUtcNow().UtcDateTime;
        try
        {
            await _context.Client.CoreV1.ReplacePersistentVolumeStatusAsync(copy, copy.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
        }
    }
}
