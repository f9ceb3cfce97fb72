using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Ephemeral;

public sealed class EphemeralVolumeControllerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    private static V1Pod PodWithScratch(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "c", Image = "nginx", VolumeMounts = [new V1VolumeMount { Name = "scratch", MountPath = "/scratch" }] }],
            Volumes =
            [
                new V1Volume
                {
                    Name = "scratch",
                    Ephemeral = new V1EphemeralVolumeSource
                    {
                        VolumeClaimTemplate = new V1PersistentVolumeClaimTemplate
                        {
                            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["type"] = "scratch" } },
                            Spec = new V1PersistentVolumeClaimSpec
                            {
                                AccessModes = ["ReadWriteOnce"],
                                StorageClassName = "local-path",
                                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                            },
                        },
                    },
                },
            ],
        },
    };

    private static Task<V1PersistentVolumeClaim> ClaimAsync(IKubernetes client, string ns, string name) =>
        Eventually.WaitAsync<V1PersistentVolumeClaim>(
            async ct => (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: ct)).Items.FirstOrDefault(c => c.Metadata.Name == name),
            Wait,
            $"claim {name}");

    [Fact]
    public async Task Sync_PodWithEphemeralVolume_CreatesItsClaimOwnedByThePod()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "ephemeral-volume");
        var ns = await harness.Cluster.CreateNamespaceAsync("eph");

        var pod = await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWithScratch("web"), ns);
        var claim = await ClaimAsync(harness.Client, ns, "web-scratch");

        var owner = Assert.Single(claim.Metadata.OwnerReferences);
        Assert.Equal(("Pod", "web", pod.Metadata.Uid, true, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Equal("scratch", claim.Metadata.Labels["type"]);
        Assert.Equal("local-path", claim.Spec.StorageClassName);
        Assert.Equal("1Gi", claim.Spec.Resources.Requests["storage"].ToString());
    }

    [Fact]
    public async Task Sync_ClaimDeletedWhileThePodLives_IsCreatedAgain()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "ephemeral-volume");
        var ns = await harness.Cluster.CreateNamespaceAsync("again");
        await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWithScratch("web"), ns);
        var first = await ClaimAsync(harness.Client, ns, "web-scratch");

        // Past the protection finalizer, as its controller would let go of a claim no scheduled pod uses.
        await harness.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("web-scratch", ns);
        await harness.Client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "web-scratch", ns);

        var second = await Eventually.WaitAsync<V1PersistentVolumeClaim>(
            async ct => (await harness.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: ct)).Items.FirstOrDefault(c => c.Metadata.Name == "web-scratch" && c.Metadata.Uid != first.Metadata.Uid),
            Wait,
            "a new claim");
        Assert.Equal("web", Assert.Single(second.Metadata.OwnerReferences).Name);
    }

    [Fact]
    public async Task Sync_ClaimOfThatNameMadeByAnotherOwner_IsLeftAloneAndThePodWarned()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "ephemeral-volume");
        var ns = await harness.Cluster.CreateNamespaceAsync("taken");
        // The controller at work first: a pod whose claim is free gets it.
        await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWithScratch("free"), ns);
        await ClaimAsync(harness.Client, ns, "free-scratch");
        var foreign = await harness.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "web-scratch" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("5Gi") } },
            },
        }, ns);

        await harness.Client.CoreV1.CreateNamespacedPodAsync(PodWithScratch("web"), ns);

        await Eventually.WaitAsync(
            _ => Task.FromResult(harness.Events.Any(e => e.Name == "web" && e.Reason == "FailedBinding")),
            Wait,
            "FailedBinding event on the pod");
        var evt = harness.Events.First(e => e.Name == "web" && e.Reason == "FailedBinding");
        Assert.Equal($"ephemeral volume scratch: PVC {ns}/web-scratch was not created for pod {ns}/web (pod is not owner)", evt.Message);
        var kept = await harness.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("web-scratch", ns);
        Assert.Equal(foreign.Metadata.ResourceVersion, kept.Metadata.ResourceVersion);
    }
}
