namespace Timonel.Controllers.PersistentVolume;

/// <summary>Upstream's annotations and labels of the PV/PVC binding protocol.</summary>
public static class VolumeAnnotations
{
    /// <summary>Set by the scheduler (or, for pods bound without it, the binder) on a WaitForFirstConsumer claim.</summary>
    public const string SelectedNode = "volume.kubernetes.io/selected-node";

    /// <summary>Tells an external provisioner that the claim is its to provision.</summary>
    public const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";

    public const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";

    public const string BindCompleted = "pv.kubernetes.io/bind-completed";

    public const string BoundByController = "pv.kubernetes.io/bound-by-controller";

    /// <summary>On a PV: the provisioner that created it (and deletes it).</summary>
    public const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";

    public const string IsDefaultClass = "storageclass.kubernetes.io/is-default-class";

    public const string HostnameLabel = "kubernetes.io/hostname";
}
