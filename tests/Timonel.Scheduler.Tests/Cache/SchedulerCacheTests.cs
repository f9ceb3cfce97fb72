using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Xunit;

namespace Timonel.Scheduler.Tests.Cache;

public class SchedulerCacheTests
{
    private readonly ManualTime _time = new();

    [Fact]
    public void AssumePod_CountsOnNodeUntilForgotten()
    {
        var cache = new SchedulerCache(_time, TimeSpan.FromSeconds(30));
        cache.AddOrUpdateNode(Make.Node("n"));
        var pod = new PodInfo(Make.Pod("p", cpu: "1"));

        cache.AssumePod(pod, "n");
        var snapshot = new Snapshot();
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(1000, snapshot.Get("n")!.Requested.MilliCpu);

        cache.ForgetPod(pod.Key);
        cache.UpdateSnapshot(snapshot);
        Assert.Equal(0, snapshot.Get("n")!.Requested.MilliCpu);
    }

    [Fact]
    public void AssumePod_Twice_Throws()
    {
        var cache = new SchedulerCache(_time, TimeSpan.FromSeconds(30));
        var pod = new PodInfo(Make.Pod("p"));
        cache.AssumePod(pod, "n");

        Assert.Throws<InvalidOperationException>(() => cache.AssumePod(pod, "n"));
    }

    [Fact]
    public void FinishBinding_UnconfirmedPod_ExpiresAfterTtl()
    {
        var cache = new SchedulerCache(_time, TimeSpan.FromSeconds(30));
        var pod = new PodInfo(Make.Pod("p"));
        cache.AssumePod(pod, "n");

        Assert.Equal(0, cache.CleanupExpiredAssumedPods());
        cache.FinishBinding(pod.Key);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, cache.CleanupExpiredAssumedPods());
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, cache.CleanupExpiredAssumedPods());
        Assert.False(cache.IsAssumed(pod.Key));
    }

    [Fact]
    public void AddPod_ConfirmsAssumedPod_NoLongerExpires()
    {
        var cache = new SchedulerCache(_time, TimeSpan.FromSeconds(30));
        var raw = Make.Pod("p", cpu: "1");
        var pod = new PodInfo(raw);
        cache.AssumePod(pod, "n");
        cache.FinishBinding(pod.Key);
        raw.Spec.NodeName = "n";

        cache.AddPod(new PodInfo(raw));
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, cache.CleanupExpiredAssumedPods());
        Assert.Single(cache.Pods());
    }

    [Fact]
    public void UpdateSnapshot_OnlyChangedNodesAreCloned()
    {
        var cache = new SchedulerCache(_time, TimeSpan.FromSeconds(30));
        cache.AddOrUpdateNode(Make.Node("a"));
        cache.AddOrUpdateNode(Make.Node("b"));
        var snapshot = new Snapshot();
        cache.UpdateSnapshot(snapshot);
        var a = snapshot.Get("a");
        var b = snapshot.Get("b");

        cache.AssumePod(new PodInfo(Make.Pod("p")), "b");
        cache.UpdateSnapshot(snapshot);

        Assert.Same(a, snapshot.Get("a"));
        Assert.NotSame(b, snapshot.Get("b"));
        Assert.Single(snapshot.Get("b")!.Pods);
        Assert.Empty(b!.Pods);
    }

    [Fact]
    public void RemoveNode_DropsItFromSnapshot()
    {
        var cache = new SchedulerCache(_time, TimeSpan.FromSeconds(30));
        cache.AddOrUpdateNode(Make.Node("a"));
        cache.AddOrUpdateNode(Make.Node("b"));
        var snapshot = new Snapshot();
        cache.UpdateSnapshot(snapshot);

        cache.RemoveNode("a");
        cache.UpdateSnapshot(snapshot);

        Assert.Null(snapshot.Get("a"));
        Assert.Equal(1, snapshot.NumNodes);
    }
}
