using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.VolumeExpansion;

public sealed class ExpandControllerTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    // A claim of 1Gi bound to its own volume, as the binder leaves them.
    private static async Task<V1PersistentVolumeClaim> BoundClaimAsync(IKubernetes client, string ns, string name, string className)
    {
        var claim = await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = className,
                VolumeName = $"pv-{ns}-{name}",
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
            },
        }, ns);
        await client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = $"pv-{ns}-{name}" },
            Spec = new V1PersistentVolumeSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = className,
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                HostPath = new V1HostPathVolumeSource { Path = "/tmp/never-mounted" },
                ClaimRef = new V1ObjectReference { Kind = "PersistentVolumeClaim", NamespaceProperty = ns, Name = name, Uid = claim.Metadata.Uid },
            },
        });
        claim.Status = new V1PersistentVolumeClaimStatus { Phase = "Bound", Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } };
        return await client.CoreV1.ReplaceNamespacedPersistentVolumeClaimStatusAsync(claim, name, ns);
    }

    [Fact]
    public async Task Sync_BoundClaimGrowsOnAHostPathVolume_SaysItWaitsForAnExternalResizer()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "persistentvolume-expander");
        var ns = await harness.Cluster.CreateNamespaceAsync("expand");
        var className = "grow-" + ns;
        await harness.Client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = className }, Provisioner = "example.com/test", AllowVolumeExpansion = true });
        await BoundClaimAsync(harness.Client, ns, "same", className);
        var grown = await BoundClaimAsync(harness.Client, ns, "grown", className);

        grown.Spec.Resources.Requests["storage"] = new ResourceQuantity("2Gi");
        await harness.Client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(grown, "grown", ns);

        await Eventually.WaitAsync(
            _ => Task.FromResult(harness.Events.Any(e => e.Name == "grown" && e.Reason == "ExternalExpanding")),
            WaitLimit,
            "an ExternalExpanding event on the grown claim");
        var evt = harness.Events.First(e => e.Name == "grown" && e.Reason == "ExternalExpanding");
        Assert.Equal(("Normal", "waiting for an external controller to expand this PVC"), (evt.Type, evt.Message));
        // The claim that did not grow was synced too (its bind and status came first) and needs nothing.
        Assert.DoesNotContain(harness.Events, e => e.Name == "same");
        var claim = await harness.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("grown", ns);
        Assert.Equal("1Gi", claim.Status.Capacity["storage"].ToString());
    }
}
