using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.VolumeProtection;

public sealed class VolumeProtectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    private static V1PersistentVolumeClaim Claim(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = "manual",
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
        },
    };

    private static V1Pod PodUsing(string name, string claim, string? node) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers = [new V1Container { Name = "c", Image = "nginx", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }] }],
            Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }],
        },
    };

    private static async Task<bool> ClaimGoneAsync(IKubernetes client, string ns, string name, CancellationToken ct) =>
        await TestObjects.IsGoneAsync(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns, cancellationToken: ct));

    [Fact]
    public async Task Create_Claim_GetsTheProtectionFinalizer()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "pvc-protection");
        var ns = await harness.Cluster.CreateNamespaceAsync("fin");

        var claim = await harness.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), ns);

        Assert.Equal(["kubernetes.io/pvc-protection"], claim.Metadata.Finalizers);
    }

    [Fact]
    public async Task DeleteClaim_UsedByAScheduledPod_StaysTerminatingUntilThePodIsGone()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "pvc-protection");
        var ns = await harness.Cluster.CreateNamespaceAsync("inuse");
        // A claim no pod uses goes at once: the controller lets go of what it may.
        await harness.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("free"), ns);
        await harness.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("free", ns);
        await Eventually.WaitAsync(ct => ClaimGoneAsync(harness.Client, ns, "free", ct), Wait, "unused claim deleted");

        await harness.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), ns);
        await harness.Client.CoreV1.CreateNamespacedPodAsync(PodUsing("db", "data", "node-1"), ns);
        await harness.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("other"), ns);
        await harness.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", ns);
        await harness.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("other", ns);
        // The other claim, deleted after it, is gone: the controller has had its turn at "data".
        await Eventually.WaitAsync(ct => ClaimGoneAsync(harness.Client, ns, "other", ct), Wait, "the other claim deleted");

        var kept = await harness.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns);
        Assert.NotNull(kept.Metadata.DeletionTimestamp);
        Assert.Contains("kubernetes.io/pvc-protection", kept.Metadata.Finalizers);

        await harness.Client.CoreV1.DeleteNamespacedPodAsync("db", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await Eventually.WaitAsync(ct => ClaimGoneAsync(harness.Client, ns, "data", ct), Wait, "claim deleted once its pod is gone");
    }

    [Fact]
    public async Task DeleteClaim_NamedOnlyByAnUnscheduledPod_IsDeleted()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "pvc-protection");
        var ns = await harness.Cluster.CreateNamespaceAsync("pending");
        await harness.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), ns);
        await harness.Client.CoreV1.CreateNamespacedPodAsync(PodUsing("waiting", "data", node: null), ns);

        await harness.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", ns);

        await Eventually.WaitAsync(ct => ClaimGoneAsync(harness.Client, ns, "data", ct), Wait, "claim of an unscheduled pod deleted");
    }

    [Fact]
    public async Task DeleteVolume_WhileBound_StaysUntilItIsReleased()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "pv-protection");
        var volume = await harness.Client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "disk" },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                AccessModes = ["ReadWriteOnce"],
                HostPath = new V1HostPathVolumeSource { Path = "/tmp/disk" },
            },
        });
        Assert.Equal(["kubernetes.io/pv-protection"], volume.Metadata.Finalizers);
        volume.Status = new V1PersistentVolumeStatus { Phase = "Bound" };
        await harness.Client.CoreV1.ReplacePersistentVolumeStatusAsync(volume, "disk");

        await harness.Client.CoreV1.DeletePersistentVolumeAsync("disk");
        await Eventually.WaitAsync(
            async ct => (await harness.Client.CoreV1.ReadPersistentVolumeAsync("disk", cancellationToken: ct)).Metadata.DeletionTimestamp is not null,
            Wait,
            "volume terminating");
        Assert.Contains("kubernetes.io/pv-protection", (await harness.Client.CoreV1.ReadPersistentVolumeAsync("disk")).Metadata.Finalizers);

        var bound = await harness.Client.CoreV1.ReadPersistentVolumeAsync("disk");
        bound.Status.Phase = "Released";
        await harness.Client.CoreV1.ReplacePersistentVolumeStatusAsync(bound, "disk");

        await Eventually.WaitAsync(ct => TestObjects.IsGoneAsync(() => harness.Client.CoreV1.ReadPersistentVolumeAsync("disk", cancellationToken: ct)), Wait, "released volume deleted");
    }
}
