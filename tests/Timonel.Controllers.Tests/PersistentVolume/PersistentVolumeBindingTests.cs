using k8s;
using k8s.Models;
using Timonel.Controllers.LocalPath;
using Timonel.Controllers.PersistentVolume;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.PersistentVolume;

public sealed class PersistentVolumeBindingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Binder_ClaimMatchingAvailableVolume_BindsBothSides()
    {
        await using var h = await ControllerHarness.StartAsync(null, "persistentvolume-binder");
        var ns = await h.Cluster.CreateNamespaceAsync("pv");
        await h.Client.CoreV1.CreatePersistentVolumeAsync(Volume("small", "1Gi", "manual"));
        await h.Client.CoreV1.CreatePersistentVolumeAsync(Volume("big", "10Gi", "manual"));
        await h.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data", "500Mi", "manual"), ns);

        var claim = await Eventually.WaitAsync(async ct =>
        {
            var c = await h.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns, cancellationToken: ct);
            return c.Status?.Phase == "Bound" ? c : null;
        }, Wait, "claim Bound");

        Assert.Equal("small", claim.Spec.VolumeName);
        Assert.Equal("yes", claim.Metadata.Annotations[VolumeAnnotations.BindCompleted]);
        Assert.Equal(new ResourceQuantity("1Gi").ToDecimal(), claim.Status.Capacity["storage"].ToDecimal());
        var pv = await Eventually.WaitAsync(async ct =>
        {
            var v = await h.Client.CoreV1.ReadPersistentVolumeAsync("small", cancellationToken: ct);
            return v.Status?.Phase == "Bound" ? v : null;
        }, Wait, "volume Bound");
        Assert.Equal(claim.Metadata.Uid, pv.Spec.ClaimRef.Uid);
        var big = await Eventually.WaitAsync(async ct =>
        {
            var v = await h.Client.CoreV1.ReadPersistentVolumeAsync("big", cancellationToken: ct);
            return v.Status?.Phase == "Available" ? v : null;
        }, Wait, "unused volume Available");
        Assert.Null(big.Spec.ClaimRef);
    }

    [Fact]
    public async Task Binder_VolumeCreatedAfterClaim_BindsWithoutWaitingForResync()
    {
        // What a loaded machine produces when the claims informer delivers a claim before the
        // volumes informer delivers the volume created just before it: the claim is synced,
        // finds nothing, and must be offered the volume once it arrives. The periodic resync is
        // pushed out of reach so only the volume's event can do it.
        await using var h = await ControllerHarness.StartAsync(new ControllerManagerOptions { PersistentVolumeBinderSyncPeriod = TimeSpan.FromHours(1) }, "persistentvolume-binder");
        var ns = await h.Cluster.CreateNamespaceAsync("pv");
        await h.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data", "1Gi", "manual"), ns);
        await Eventually.WaitAsync(async ct => (await h.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns, cancellationToken: ct)).Status?.Phase == "Pending", Wait, "claim Pending");

        await h.Client.CoreV1.CreatePersistentVolumeAsync(Volume("late", "1Gi", "manual"));

        var claim = await Eventually.WaitAsync(async ct =>
        {
            var c = await h.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns, cancellationToken: ct);
            return c.Status?.Phase == "Bound" ? c : null;
        }, Wait, "claim Bound");
        Assert.Equal("late", claim.Spec.VolumeName);
        Assert.Equal(claim.Metadata.Uid, (await WaitPhaseAsync(h, "late", "Bound")).Spec.ClaimRef.Uid);
    }

    [Fact]
    public async Task Binder_ClaimDeleted_VolumeReleased()
    {
        await using var h = await ControllerHarness.StartAsync(null, "persistentvolume-binder", "pvc-protection", "pv-protection");
        var ns = await h.Cluster.CreateNamespaceAsync("pv");
        await h.Client.CoreV1.CreatePersistentVolumeAsync(Volume("keep", "1Gi", "manual"));
        await h.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data", "1Gi", "manual"), ns);
        await WaitPhaseAsync(h, "keep", "Bound");

        await h.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", ns);

        var pv = await WaitPhaseAsync(h, "keep", "Released");
        Assert.NotNull(pv.Spec.ClaimRef);
    }

    [Fact]
    public async Task Binder_NoMatchingVolume_ClaimStaysPendingWithEvent()
    {
        await using var h = await ControllerHarness.StartAsync(null, "persistentvolume-binder");
        var ns = await h.Cluster.CreateNamespaceAsync("pv");
        await h.Client.CoreV1.CreatePersistentVolumeAsync(Volume("tiny", "1Mi", "manual"));
        await h.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data", "1Gi", "manual"), ns);

        await Eventually.WaitAsync(async ct => (await h.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns, cancellationToken: ct)).Status?.Phase == "Pending", Wait, "claim Pending");
        await Eventually.WaitAsync(_ => Task.FromResult(h.Events.Any(e => e.Reason == "FailedBinding" && e.Name == "data")), Wait, "FailedBinding event");
        Assert.Null((await h.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns)).Spec.VolumeName);
        Assert.Equal("Available", (await WaitPhaseAsync(h, "tiny", "Available")).Status.Phase);
    }

    [Fact]
    public async Task LocalPath_StartUp_CreatesDefaultWaitForFirstConsumerClass()
    {
        await using var h = await ControllerHarness.StartAsync(null, "local-path-provisioner");

        var sc = await Eventually.WaitAsync(async ct =>
        {
            var list = await h.Client.StorageV1.ListStorageClassAsync(cancellationToken: ct);
            return list.Items.FirstOrDefault(c => c.Metadata.Name == LocalPathProvisioner.ClassName);
        }, Wait, "local-path StorageClass");

        Assert.Equal("timonel.dev/local-path", sc.Provisioner);
        Assert.Equal("WaitForFirstConsumer", sc.VolumeBindingMode);
        Assert.Equal("Delete", sc.ReclaimPolicy);
        Assert.Equal("true", sc.Metadata.Annotations[VolumeAnnotations.IsDefaultClass]);
    }

    [Fact]
    public async Task LocalPath_Claim_WaitsForConsumerThenProvisionsOnItsNode()
    {
        var options = new ControllerManagerOptions { LocalPathStorageDir = "/srv/timonel-storage" };
        await using var h = await ControllerHarness.StartAsync(options, "persistentvolume-binder", "local-path-provisioner");
        var ns = await h.Cluster.CreateNamespaceAsync("pv");
        await Eventually.WaitAsync(async ct => (await h.Client.StorageV1.ListStorageClassAsync(cancellationToken: ct)).Items.Count == 1, Wait, "default class");
        await h.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data", "2Gi", "local-path"), ns);

        // The claim waits for a pod.
        await Eventually.WaitAsync(_ => Task.FromResult(h.Events.Any(e => e.Reason == "WaitForFirstConsumer")), Wait, "WaitForFirstConsumer event");
        Assert.Empty((await h.Client.CoreV1.ListPersistentVolumeAsync()).Items);

        // A pod bound to node-b (as the scheduler would) uses the claim.
        await h.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "user" },
            Spec = new V1PodSpec
            {
                NodeName = "node-b",
                Containers = [new V1Container { Name = "c", Image = "busybox" }],
                Volumes = [new V1Volume { Name = "d", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }],
            },
        }, ns);

        var claim = await Eventually.WaitAsync(async ct =>
        {
            var c = await h.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns, cancellationToken: ct);
            return c.Status?.Phase == "Bound" ? c : null;
        }, Wait, "claim Bound");
        Assert.Equal("node-b", claim.Metadata.Annotations[VolumeAnnotations.SelectedNode]);
        var pv = await h.Client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName);
        Assert.Equal("pvc-" + claim.Metadata.Uid, pv.Metadata.Name);
        Assert.Equal($"/srv/timonel-storage/{pv.Metadata.Name}", pv.Spec.HostPath.Path);
        Assert.Equal("DirectoryOrCreate", pv.Spec.HostPath.Type);
        Assert.Equal("Delete", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("timonel.dev/local-path", pv.Metadata.Annotations[VolumeAnnotations.ProvisionedBy]);
        var requirement = Assert.Single(Assert.Single(pv.Spec.NodeAffinity.Required.NodeSelectorTerms).MatchExpressions);
        Assert.Equal(["node-b"], requirement.Values);
        Assert.Contains(h.Events, e => e.Reason == "ProvisioningSucceeded" && e.Message.Contains(pv.Metadata.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void Matcher_DelayedBindingVolumeOnOtherNode_IsSkipped()
    {
        var claim = Claim("data", "1Gi", "local");
        claim.Metadata.NamespaceProperty = "ns";
        var pinned = Volume("pinned", "1Gi", "local");
        pinned.Spec.NodeAffinity = new V1VolumeNodeAffinity
        {
            Required = new V1NodeSelector { NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = VolumeAnnotations.HostnameLabel, OperatorProperty = "In", Values = ["node-a"] }] }] },
        };
        var nodeB = new V1Node { Metadata = new V1ObjectMeta { Name = "node-b" } };
        var nodeA = new V1Node { Metadata = new V1ObjectMeta { Name = "node-a" } };

        Assert.Null(VolumeMatcher.FindBest(claim, [pinned], nodeB, delayBinding: true));
        Assert.Null(VolumeMatcher.FindBest(claim, [pinned], null, delayBinding: true));
        Assert.Same(pinned, VolumeMatcher.FindBest(claim, [pinned], nodeA, delayBinding: true));
    }

    [Fact]
    public void Matcher_AccessModesOrClassDiffer_NoMatch()
    {
        var claim = Claim("data", "1Gi", "fast");
        claim.Spec.AccessModes = ["ReadWriteMany"];
        Assert.Null(VolumeMatcher.FindBest(claim, [Volume("rwo", "5Gi", "fast")], null, false));
        Assert.Null(VolumeMatcher.FindBest(Claim("data", "1Gi", "slow"), [Volume("rwo", "5Gi", "fast")], null, false));
    }

    private static async Task<V1PersistentVolume> WaitPhaseAsync(ControllerHarness h, string name, string phase) =>
        await Eventually.WaitAsync(async ct =>
        {
            var v = await h.Client.CoreV1.ReadPersistentVolumeAsync(name, cancellationToken: ct);
            return v.Status?.Phase == phase ? v : null;
        }, Wait, $"volume {name} {phase}");

    private static V1PersistentVolume Volume(string name, string size, string storageClass) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = storageClass,
            PersistentVolumeReclaimPolicy = "Retain",
            HostPath = new V1HostPathVolumeSource { Path = "/tmp/" + name },
        },
    };

    private static V1PersistentVolumeClaim Claim(string name, string size, string? storageClass) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = storageClass,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
    };
}
