using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;
using Timonel.Scheduler.Queue;
using Xunit;

namespace Timonel.Scheduler.Tests.Plugins;

public class VolumeAndImageTests
{
    private static PluginHandle Handle(Snapshot? snapshot = null) =>
        new(new SchedulerListers(), new FakeClient(), TimeProvider.System, new Nominator()) { Snapshot = snapshot ?? new Snapshot() };

    private static V1Pod WithClaim(string claim)
    {
        var p = Make.Pod("p");
        p.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } }];
        return p;
    }

    private static V1PersistentVolumeClaim Claim(string name, string? storageClass = null, string? volume = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PersistentVolumeClaimSpec { StorageClassName = storageClass, VolumeName = volume },
    };

    [Fact]
    public void PreFilter_MissingClaim_Unresolvable()
    {
        var s = new VolumeBinding(Handle()).PreFilter(new CycleState(), new PodInfo(WithClaim("data")), new Snapshot(), out _);

        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, s?.Code);
        Assert.Equal("persistentvolumeclaim \"data\" not found", s?.Message);
    }

    [Fact]
    public void PreFilter_UnboundImmediateClaim_Unresolvable()
    {
        var handle = Handle();
        handle.Listers.Claims["default/data"] = Claim("data", "standard");
        handle.Listers.StorageClasses["standard"] = new V1StorageClass { Metadata = new V1ObjectMeta { Name = "standard" }, VolumeBindingMode = "Immediate" };

        var s = new VolumeBinding(handle).PreFilter(new CycleState(), new PodInfo(WithClaim("data")), new Snapshot(), out _);

        Assert.Equal(VolumeBinding.ErrUnboundImmediate, s?.Message);
    }

    [Fact]
    public void PreFilter_WaitForFirstConsumer_Allowed()
    {
        var handle = Handle();
        handle.Listers.Claims["default/data"] = Claim("data", "local");
        handle.Listers.StorageClasses["local"] = new V1StorageClass { Metadata = new V1ObjectMeta { Name = "local" }, VolumeBindingMode = "WaitForFirstConsumer" };

        Assert.Null(new VolumeBinding(handle).PreFilter(new CycleState(), new PodInfo(WithClaim("data")), new Snapshot(), out _));
    }

    private static V1Pod WithEphemeral()
    {
        var p = Make.Pod("p");
        p.Metadata.Uid = "pod-uid";
        p.Spec.Volumes = [new V1Volume { Name = "scratch", Ephemeral = new V1EphemeralVolumeSource { VolumeClaimTemplate = new V1PersistentVolumeClaimTemplate { Spec = new V1PersistentVolumeClaimSpec { StorageClassName = "local" } } } }];
        return p;
    }

    [Fact]
    public void PreFilter_EphemeralClaimNotYetCreated_WaitsForTheController()
    {
        var s = new VolumeBinding(Handle()).PreFilter(new CycleState(), new PodInfo(WithEphemeral()), new Snapshot(), out _);

        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, s?.Code);
        Assert.Equal("waiting for ephemeral volume controller to create the persistentvolumeclaim \"p-scratch\"", s?.Message);
    }

    [Fact]
    public void PreFilter_EphemeralClaimOfAnotherOwner_Unresolvable_OwnClaimAllowed()
    {
        var handle = Handle();
        handle.Listers.StorageClasses["local"] = new V1StorageClass { Metadata = new V1ObjectMeta { Name = "local" }, VolumeBindingMode = "WaitForFirstConsumer" };
        var foreign = Claim("p-scratch", "local");
        handle.Listers.Claims["default/p-scratch"] = foreign;

        var refused = new VolumeBinding(handle).PreFilter(new CycleState(), new PodInfo(WithEphemeral()), new Snapshot(), out _);
        foreign.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = "p", Uid = "pod-uid", Controller = true }];
        var allowed = new VolumeBinding(handle).PreFilter(new CycleState(), new PodInfo(WithEphemeral()), new Snapshot(), out _);

        Assert.Equal("persistentvolumeclaim \"p-scratch\" was not created for the pod", refused?.Message);
        Assert.Null(allowed);
    }

    [Fact]
    public void Filter_BoundVolumeWithNodeAffinity_OnlyMatchingNode()
    {
        var handle = Handle();
        handle.Listers.Claims["default/data"] = Claim("data", volume: "pv1");
        handle.Listers.Volumes["pv1"] = new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "pv1" },
            Spec = new V1PersistentVolumeSpec { NodeAffinity = new V1VolumeNodeAffinity { Required = Make.Selector([new V1NodeSelectorTerm { MatchExpressions = [Make.Req("zone", "In", ["a"])] }]) } },
        };
        var plugin = new VolumeBinding(handle);
        var state = new CycleState();
        var pod = new PodInfo(WithClaim("data"));
        Assert.Null(plugin.PreFilter(state, pod, new Snapshot(), out _));

        Assert.Null(plugin.Filter(state, pod, Make.NodeInfo(Make.Node("a", labels: Make.Labels("zone=a")))));
        Assert.Equal(VolumeBinding.ErrReasonNodeConflict, plugin.Filter(state, pod, Make.NodeInfo(Make.Node("b", labels: Make.Labels("zone=b"))))?.Message);
    }

    [Fact]
    public void ImageLocality_NodeWithImage_ScoresHigher()
    {
        var withImage = Make.Node("a");
        withImage.Status.Images = [new V1ContainerImage { Names = ["docker.io/library/big:1"], SizeBytes = 500L * 1024 * 1024 }];
        var cache = new SchedulerCache(TimeProvider.System, TimeSpan.FromSeconds(30));
        cache.AddOrUpdateNode(withImage);
        cache.AddOrUpdateNode(Make.Node("b"));
        var snapshot = new Snapshot();
        cache.UpdateSnapshot(snapshot);
        var plugin = new ImageLocality(Handle(snapshot));
        var pod = Make.Pod("p");
        pod.Spec.Containers[0].Image = "docker.io/library/big:1";

        var a = plugin.Score(new CycleState(), new PodInfo(pod), snapshot.Get("a")!);
        var b = plugin.Score(new CycleState(), new PodInfo(pod), snapshot.Get("b")!);

        Assert.True(a > 0 && b == 0, $"a={a} b={b}");
    }
}
