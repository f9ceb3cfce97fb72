using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.PersistentVolume;

namespace Timonel.Controllers.LocalPath;

/// <summary>
/// The built-in local-path provisioner (k3s's local-path-provisioner, in process): at start it
/// creates the default StorageClass <c>local-path</c> when missing; for each claim the binder
/// hands to <c>timonel.dev/local-path</c> (storage-provisioner annotation) and, in
/// WaitForFirstConsumer mode, whose node is selected, it creates a hostPath PV
/// <c>pvc-&lt;claim uid&gt;</c> under the storage directory, pinned to that node by node affinity
/// and pre-bound to the claim. The directory itself is made by the node's kubelet when a pod
/// mounts the volume (hostPath type DirectoryOrCreate), because this controller may run on
/// another machine; for the same reason the node's kubelet removes it when a Released volume
/// with reclaimPolicy Delete goes away (see Timonel.Kubelet's LocalPathReclaimer).
/// </summary>
public sealed class LocalPathProvisioner : Controller, IController
{
    public const string ProvisionerName = "timonel.dev/local-path";
    public const string ClassName = "local-path";
    private const string Component = ProvisionerName;
    private readonly ControllerContext _context;
    private readonly SharedInformer<V1PersistentVolumeClaim> _claims;
    private readonly SharedInformer<V1PersistentVolume> _volumes;
    private readonly SharedInformer<V1StorageClass> _classes;

    public LocalPathProvisioner(ControllerContext context)
        : base("local-path-provisioner", context.Loggers.CreateLogger("local-path-provisioner"), context.Time)
    {
        _context = context;
        _claims = context.Informers.Get(ResourceKinds.PersistentVolumeClaims);
        _volumes = context.Informers.Get(ResourceKinds.PersistentVolumes);
        _classes = context.Informers.Get(ResourceKinds.StorageClasses);
        _claims.AddEventHandler(Enqueue, (_, c) => Enqueue(c), _ => { });
    }

    string IController.Name => "local-path-provisioner";

    /// <summary>The StorageClass created at start-up when missing (default class unless another one is).</summary>
    public static V1StorageClass DefaultStorageClass(bool makeDefault) => new()
    {
        ApiVersion = "storage.k8s.io/v1",
        Kind = "StorageClass",
        Metadata = new V1ObjectMeta
        {
            Name = ClassName,
            Annotations = makeDefault ? new Dictionary<string, string> { [VolumeAnnotations.IsDefaultClass] = "true" } : null,
        },
        Provisioner = ProvisionerName,
        ReclaimPolicy = "Delete",
        VolumeBindingMode = "WaitForFirstConsumer",
    };

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await _classes.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await EnsureStorageClassAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(_context.Options.Workers, [_claims, _volumes, _classes], cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureStorageClassAsync(CancellationToken ct)
    {
        if (_classes.Cache.Get(ClassName) is not null)
        {
            return;
        }

        var otherDefault = _classes.Cache.List().Any(c => c.Metadata.Annotations?.TryGetValue(VolumeAnnotations.IsDefaultClass, out var v) == true && v == "true");
        try
        {
            await _context.Client.StorageV1.CreateStorageClassAsync(DefaultStorageClass(!otherDefault), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsAlreadyExists(e))
        {
            // Another server of the cluster created it first.
        }
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var claim = _claims.Cache.Get(key);
        if (claim is null || claim.Metadata.DeletionTimestamp is not null || !string.IsNullOrEmpty(claim.Spec?.VolumeName))
        {
            return;
        }

        var annotations = claim.Metadata.Annotations ?? new Dictionary<string, string>();
        if (!annotations.TryGetValue(VolumeAnnotations.StorageProvisioner, out var provisioner) || provisioner != ProvisionerName)
        {
            return;
        }

        var pvName = "pvc-" + claim.Metadata.Uid;
        if (_volumes.Cache.Get(pvName) is not null)
        {
            return;
        }

        var storageClass = _classes.Cache.Get(claim.Spec?.StorageClassName ?? string.Empty);
        if (storageClass is null)
        {
            return;
        }

        if (!annotations.TryGetValue(VolumeAnnotations.SelectedNode, out var node) || string.IsNullOrEmpty(node))
        {
            // A local volume lives on one node; without a selected node there is nowhere to put it.
            _context.Events.Warning(Component, claim, "ProvisioningFailed", "failed to provision volume with StorageClass \"" + storageClass.Metadata.Name + "\": configuration error, no node was specified (use volumeBindingMode WaitForFirstConsumer)");
            return;
        }

        if (claim.Spec?.VolumeMode == "Block")
        {
            _context.Events.Warning(Component, claim, "ProvisioningFailed", $"failed to provision volume with StorageClass \"{storageClass.Metadata.Name}\": volumeMode Block is not supported by {ProvisionerName}");
            return;
        }

        _context.Events.Normal(Component, claim, "Provisioning", $"External provisioner is provisioning volume for claim \"{key}\"");
        var pv = BuildVolume(pvName, claim, storageClass, node, _context.Options.LocalPathStorageDir);
        try
        {
            await _context.Client.CoreV1.CreatePersistentVolumeAsync(pv, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsAlreadyExists(e))
        {
            return;
        }

        _context.Events.Normal(Component, claim, "ProvisioningSucceeded", $"Successfully provisioned volume {pvName}");
    }

    /// <summary>The PV for a claim: hostPath DirectoryOrCreate under the storage dir, pinned to the node, pre-bound to the claim.</summary>
    public static V1PersistentVolume BuildVolume(string name, V1PersistentVolumeClaim claim, V1StorageClass storageClass, string node, string storageDir)
    {
        var request = claim.Spec.Resources?.Requests?.TryGetValue("storage", out var q) == true ? q : new ResourceQuantity("1Gi");
        return new V1PersistentVolume
        {
            ApiVersion = "v1",
            Kind = "PersistentVolume",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Annotations = new Dictionary<string, string> { [VolumeAnnotations.ProvisionedBy] = ProvisionerName },
            },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = request },
                AccessModes = claim.Spec.AccessModes is { Count: > 0 } modes ? [.. modes] : ["ReadWriteOnce"],
                PersistentVolumeReclaimPolicy = storageClass.ReclaimPolicy ?? "Delete",
                StorageClassName = storageClass.Metadata.Name,
                VolumeMode = "Filesystem",
                HostPath = new V1HostPathVolumeSource { Path = Path.Combine(storageDir, name), Type = "DirectoryOrCreate" },
                ClaimRef = new V1ObjectReference
                {
                    ApiVersion = "v1",
                    Kind = "PersistentVolumeClaim",
                    NamespaceProperty = claim.Metadata.NamespaceProperty,
                    Name = claim.Metadata.Name,
                    Uid = claim.Metadata.Uid,
                },
                NodeAffinity = new V1VolumeNodeAffinity
                {
                    Required = new V1NodeSelector
                    {
                        NodeSelectorTerms =
                        [
                            new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = VolumeAnnotations.HostnameLabel, OperatorProperty = "In", Values = [node] }] },
                        ],
                    },
                },
            },
        };
    }
}
